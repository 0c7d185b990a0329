"""Demo cases: a seeded run of reports and their life cycles over a registry's assets and grids.

Inspectors report on working days, mostly in office hours: street vending, exposed rubbish,
bicycles, waste sorting along the roads; rubbish dumped into drains, again and again at a
dozen "hot" inlets; lamps out; now and then a missing grate, a damaged bridge, a gas smell.
Each street office and department works at its own pace, so some close on time, others
late; a few cases are reworked, extended, suspended or closed abnormally, and those still
open at the end of the last month stay open (some overdue), so the ranking shows something
true. Every move is dated, so deadlines, journal and events read as if it really happened.

>>> import tempfile, geopandas as gpd
>>> from registry import Change, create
>>> reg = create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> _ = reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"],
...     "street_office": ["建北街道"]}, geometry=[shapely.box(114.4, 38.0, 114.6, 38.1)],
...     crs=4490), Change(who="demo"))
>>> _ = reg.add("drains", gpd.GeoDataFrame({"depth_m": [1.2]},
...     geometry=[shapely.Point(114.5, 38.04)], crs=4490), Change(who="demo"))
>>> generate(reg, ["2026-10"], per_day=3) > 0   # the drain-dumping reports, at least
True
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

import numpy as np
import shapely

from registry.api import Registry
from registry.cases.cases import Cases, Report
from registry.cases.evaluation import month_bounds
from registry.cases.rules import Category
from registry.cases.workflow import APPROVABLE
from registry.change import Change
from registry.errors import InvalidInput
from registry.query import Query

#: How often each category is reported, per hundred reports.
WEIGHTS = {
    "street_vending": 18, "exposed_garbage": 14, "bicycle_parking": 12, "waste_mixed": 10,
    "drain_dumping": 10, "road_not_clean": 8, "lamp_out": 8, "drain_grate_broken": 4,
    "gas_cylinder_misuse": 3, "lamps_out_adjacent": 2, "drain_grate_missing": 2,
    "manhole_cover_missing": 2, "lamp_post_damaged": 2, "gas_smell": 2, "bridge_damaged": 1,
    "gas_main_leak": 1,
}
#: Share of drain-dumping reports made at the few inlets where it keeps happening.
HOT_SHARE, HOT_DRAINS = 0.6, 8
INSPECTORS = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强")
_DESCRIPTIONS = {
    "street_vending": "流动摊点占道经营", "drain_dumping": "收水井内有倾倒的垃圾和污水",
    "lamp_out": "路灯夜间不亮", "exposed_garbage": "路边堆放暴露垃圾",
    "bicycle_parking": "共享单车堆放占用盲道", "waste_mixed": "分类桶站垃圾混投满溢",
}


def generate(reg: Registry, months: Sequence[str] = ("2026-09", "2026-10"), *,
             seed: int = 2026, per_day: float = 24.0) -> int:
    """Report and work cases over `months`; returns how many were reported."""
    run = _Run(reg, np.random.default_rng(seed))
    start, _ = month_bounds(months[0], run.tz)
    _, run.cutoff = month_bounds(months[-1], run.tz)
    day, reported = start, 0
    with reg.transaction():
        while day < run.cutoff:
            if run.cases.rules.calendar.is_working_day(day.date()):
                reported += sum(run.one(day) for _ in range(run.rng.poisson(per_day)))
            day += timedelta(days=1)
    return reported


class _Run:
    """The state of one generation: where things are, who is slow, and the dice."""

    def __init__(self, reg: Registry, rng: np.random.Generator) -> None:
        self.cases, self.rng = Cases(reg), rng
        self.tz = self.cases.rules.calendar.tz
        self.cutoff = datetime.max.replace(tzinfo=self.tz)
        self.places = {layer: _places(reg, layer) for layer in ("drains", "lamp_posts",
                                                                "bridges", "gas_mains")}
        drains = self.places["drains"]
        self.hot = drains[rng.choice(len(drains), min(HOT_DRAINS, len(drains)), replace=False)]
        self.pace: dict[str, float] = {}
        self.codes = [c for c in WEIGHTS if c in self.cases.rules.categories]
        weights = np.array([WEIGHTS[c] for c in self.codes], dtype=float)
        self.weights = weights / weights.sum()

    def one(self, day: datetime) -> int:
        """Report one case on `day` and work it as far as the cut-off; 0 if it fell nowhere."""
        category = self.cases.rules.category(str(self.rng.choice(self.codes, p=self.weights)))
        where = self._where(category)
        if where is None:
            return 0
        at = day + timedelta(minutes=int(self.rng.integers(8 * 60, 18 * 60 + 30)))
        who = str(self.rng.choice(INSPECTORS))
        try:
            case = self.cases.report(Report(category.code, *where, _DESCRIPTIONS.get(
                category.code, category.zh)), Change(who=who, source="case", at=at))
        except InvalidInput:  # the point fell outside every grid
            return 0
        self._work(case.id, category, at, self.pace_of(case.department))
        return 1

    def pace_of(self, unit: str) -> float:
        """How long a unit takes, as a share of the time limit (under 1: usually on time)."""
        if unit not in self.pace:
            self.pace[unit] = float(self.rng.uniform(0.45, 1.35))
        return self.pace[unit]

    def _where(self, category: Category) -> tuple[float, float] | None:
        if category.code == "drain_dumping" and self.rng.random() < HOT_SHARE:
            points = self.hot
        else:
            points = self.places.get(category.layer or "lamp_posts", self.places["lamp_posts"])
        if len(points) == 0:
            return None
        x, y = points[self.rng.integers(len(points))]
        # Reports on an asset are a few metres off it; street events tens of metres off a lamp.
        spread = 0.00003 if category.layer else 0.0006
        return (float(x + self.rng.normal(0, spread)), float(y + self.rng.normal(0, spread)))

    def _work(self, case_id: str, category: Category, reported: datetime, pace: float) -> None:
        """Register, dispatch, handle, verify and close, with the odd twist, until the cut-off."""
        # Each step is timed on the category's own clock: an emergency moves in natural time.
        rng, calendar = self.rng, self.cases.rules.clock(category.clock)
        if rng.random() < 0.04:
            self._moves(case_id, [("discard", reported + timedelta(minutes=10))])
            return
        registered = calendar.add(reported, float(rng.integers(5, 40)))
        steps = [("register", registered), ("dispatch", calendar.add(registered, 10))]
        limit = category.limit_minutes * (1.5 if rng.random() < 0.07 else 1.0)
        if limit > category.limit_minutes:
            steps.append(("extend", calendar.add(registered, 20)))
        if rng.random() < 0.02:
            self._moves(case_id, steps + [("close_abnormal", calendar.add(registered, 60))],
                        limit - category.limit_minutes)
            return
        if rng.random() < 0.12 * pace:  # slow units let some cases lie: they go overdue
            self._moves(case_id, steps, limit - category.limit_minutes)
            return
        clock, work = registered, max(15.0, limit * pace * rng.lognormal(0, 0.45))
        if rng.random() < 0.03:  # suspended for one to three working days, e.g. awaiting a permit
            paused = calendar.add(registered, 30)
            clock = calendar.add(paused, calendar.day_minutes * float(rng.integers(1, 4)))
            steps += [("suspend", paused), ("resume", clock)]
            work = max(15.0, work - 30)
        handled = calendar.add(clock, work)
        if rng.random() < 0.08:
            steps += [("handle", handled), ("rework", calendar.add(handled, 30))]
            handled = calendar.add(handled, 30 + category.limit_minutes * 0.3)
        verified = calendar.add(handled, float(rng.integers(20, 120)))
        steps += [("handle", handled), ("verify", verified),
                  ("close", calendar.add(verified, float(rng.integers(10, 60))))]
        self._moves(case_id, steps, limit - category.limit_minutes)

    def _moves(self, case_id: str, steps: list[tuple[str, datetime]], extra: float = 0.0) -> None:
        for move, at in steps:
            if at >= self.cutoff:
                return  # still open when the months end
            who = "派遣员" if move in ("dispatch", "rework", *APPROVABLE) else "值班长"
            self.cases.move(case_id, move, Change(who=who, source="case", at=at),
                            note=DEMO_REASONS.get(move, ""),
                            extra_hours=extra / 60 if move == "extend" else 0.0)
            if move in APPROVABLE:  # the supervisor approves the request at once
                self.cases.move(case_id, "approve", Change(who="值班长", source="case", at=at))


#: The reasons a department gives for the moves that need one.
DEMO_REASONS = {"extend": "需协调施工单位，申请延期", "suspend": "等待占道施工审批",
                "close_abnormal": "重复上报，已并案处理"}


def _places(reg: Registry, layer: str) -> np.ndarray:
    """Where the assets of a layer in some grid are, as an (n, 2) array of lon, lat."""
    found = reg.query(Query(layer, properties=["grid_code"]))
    found = found[found["grid_code"].notna()] if "grid_code" in found else found
    points = shapely.point_on_surface(found.geometry.to_numpy())
    return shapely.get_coordinates(points) if len(found) else np.empty((0, 2))
