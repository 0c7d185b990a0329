"""A year of work on the bench city, through the public API: maintenance events and cases.

The city is surveyed (added) on `SURVEYED`; then, month by month over `MONTHS`, crews record
maintenance events (drains cleaned, lamps out and repaired, mains inspected and leaking),
each dated in its month and some changing the asset's condition (a new version); at mid-year
an inspection round re-grades a tenth of the drains; and inspectors' reports run the case
life cycle for the whole year (`registry.cases.demo.generate`). Every write carries its
date, so "as of a year back" is the city as surveyed.

`Registry.record_event` writes one event per call (a transaction, a read of the asset and,
for a new condition, a version): about 15–100 a second on the bench city, so a year holds
`EVENTS_PER_MONTH` events per month — a sample of the bureau's real volume that keeps the
cache build within a few minutes. A smaller city gets proportionally fewer events and cases.

>>> MONTHS[0], MONTHS[-1], len(MONTHS)
('2025-12', '2026-11', 12)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import geopandas as gpd
import numpy as np

import registry
from registry import Change, Query
from registry.cases.demo import generate
from registry.events import MaintenanceEvent

#: The day the census was loaded: "a year back" from the end of the year of work.
SURVEYED = datetime(2025, 11, 30, tzinfo=timezone.utc)
MONTHS = tuple(f"{2025 + (11 + k) // 12}-{(11 + k) % 12 + 1:02d}" for k in range(12))
#: For the city of a million points; `scale` shrinks them with the city.
EVENTS_PER_MONTH = 150
#: Cases reported per working day (the demo's Shijiazhuang figure).
CASES_PER_DAY = 24.0
FULL_CITY = 1_000_000
#: Month of the inspection round that re-grades a tenth of the drains.
ROUND_MONTH = "2026-05"
#: What crews do to each layer, with the grades a visit may leave (None: no new grade).
WORK: dict[str, list[tuple[str, list[int | None]]]] = {
    "drains": [("cleaning", [1, 2]), ("inspection", [2, 3, 4, 5]), ("dumping", [None])],
    "lamp_posts": [("outage", [None]), ("repair", [1, 2]), ("inspection", [1, 2, 3, 4])],
    "gas_mains": [("inspection", [1, 2, 3, 4, 5]), ("leak", [None]), ("repair", [2])]}
CREWS = ("清掏一队", "清掏二队", "路灯维修队", "燃气巡检班")


def work_a_year(reg: registry.Registry, seed: int, points: int) -> dict[str, int]:
    """Record the year's events, the inspection round and the cases in a city of `points`
    point assets; returns the counts."""
    scale = min(points / FULL_CITY, 1.0)
    rng = np.random.default_rng([seed, 4])
    uuids = {layer: reg.query(Query(layer))["uuid"].to_numpy() for layer in WORK}
    events = changed = 0
    for month in MONTHS:
        for _ in range(max(1, round(EVENTS_PER_MONTH * scale))):
            changed += record_one(reg, rng, uuids, month)
            events += 1
        if month == ROUND_MONTH:
            changed += inspection_round(reg, rng, uuids["drains"], month)
    cases = generate(reg, MONTHS, seed=seed, per_day=CASES_PER_DAY * scale)
    return {"events": events, "condition changes": changed, "cases": cases}


def record_one(reg: registry.Registry, rng: np.random.Generator,
               uuids: dict[str, np.ndarray], month: str) -> int:
    """One crew visit in `month` on a random asset; 1 when it left a new grade."""
    layer = str(rng.choice(list(WORK)))
    kind, grades = WORK[layer][rng.integers(len(WORK[layer]))]
    grade = grades[rng.integers(len(grades))]
    when = day_in(month, rng)
    event = MaintenanceEvent(kind=kind, date=when.date().isoformat(),
                             crew=str(rng.choice(CREWS)), condition_after=grade)
    reg.record_event(str(rng.choice(uuids[layer])), event,
                     Change(who="bench", why=f"{kind} {month}", at=when))
    return grade is not None


def inspection_round(reg: registry.Registry, rng: np.random.Generator, drains: np.ndarray,
                     month: str) -> int:
    """A tenth of the drains re-graded in one `update_many`; how many changed."""
    picked = np.sort(rng.choice(len(drains), len(drains) // 10, replace=False))
    edits = gpd.GeoDataFrame({"uuid": drains[picked], "condition": rng.integers(1, 6, picked.size)},
                             geometry=[None] * picked.size, crs="EPSG:4490")
    return reg.update_many("drains", edits, Change(who="bench", why=f"inspection round {month}",
                                                    at=day_in(month, rng)))


def day_in(month: str, rng: np.random.Generator) -> datetime:
    """A random office-hours moment in `month` (YYYY-MM), UTC."""
    first = datetime.fromisoformat(f"{month}-01").replace(tzinfo=timezone.utc)
    return first + timedelta(days=int(rng.integers(28)), hours=int(rng.integers(1, 9)),
                             minutes=int(rng.integers(60)))
