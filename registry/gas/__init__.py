"""The courtyard gas programme (庭院燃气管道改造, 燃气安全自闭阀) over the registry.

- `network`: the mains as a graph in metres, its components, feed points and topology faults;
- `scope`: which mains the national 2022–2025 plan renovates, grouped by courtyard, with a
  likelihood × consequence score explained term by term;
- `programme`: safety valves rolled up per building, courtyard, grid and district, yearly
  programmes and progress against the targets;
- `isolation`: which valves to close for a break, and who loses gas.

Rules a city edits live in ``layers/gas/*.toml``.

>>> from registry.gas.rules import load_rules
>>> load_rules().scope["scope"]["aged"]
['steel', 'pe']
"""
