"""Cases (案件): reports from the street, their GB/T 30428 life cycle with working-time
deadlines, and the monthly evaluation (考评) of grids, street offices and departments.

The public API for other parts of Infracensus (repair plans, work packages, the web and CLI):

>>> from registry.cases import Cases, Report, MOVES
>>> sorted(MOVES)[:3]
['close', 'close_abnormal', 'discard']

- `Cases(reg)`: `report(Report(...), change)`, `move(id, move, change, expected_version=)`,
  `get(id)`, `find(state=, grid_code=, department=, overdue=)`, `history(id)`, `photo(id, i)`;
- `Case`: one case as stored (``overdue(now)``, ``on_time()``, ``summary(now)``);
- `load_rules()`: the city's categories, departments and working calendar from
  ``layers/cases/``; `WorkCalendar` does the working-time arithmetic;
- `evaluate(cases, month, by=)` and `ranking(...)`: the monthly figures, ranked.
"""
from registry.cases.cases import Cases, Report
from registry.cases.deadlines import WorkCalendar, deadline
from registry.cases.model import Case
from registry.cases.photos import Photo
from registry.cases.rules import CaseRules, Category, load_rules
from registry.cases.workflow import MOVES, STATES, allowed

__all__ = ["Cases", "Report", "Case", "Photo", "WorkCalendar", "deadline", "CaseRules",
           "Category", "load_rules", "MOVES", "STATES", "allowed"]
