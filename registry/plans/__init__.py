"""Repair plans (维修计划): risk scores, plans within a budget, field-crew work packages.

The public API for the web, the CLI and other packages:

- `risk.score(reg, layer)` (a whole layer, array work), `risk.explain(reg, uuid)` (term by
  term), weights in ``layers/plans/risk.toml`` (`weights.load_book`);
- `planner.propose(reg, Query | uuids, change, budget_yuan=, crew_days=, crews=)`,
  `planner.show(reg, plan_id)`, `planner.package_of(reg, plan_id, crew)`;
- `packages.export(reg, package_id, who)` → GeoJSON FeatureCollection with the form;
- `returns.return_package(reg, package_id, collection, who)`;
- `conflicts.conflicts(reg, package_id)`, `conflicts.settle(reg, package_id, uuid, choice, who)`.

>>> from registry.plans import planner
>>> planner.PLAN, planner.PACKAGE
('plan', 'package')
"""
