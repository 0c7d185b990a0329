"""Helpers of the case tests: a small real registry of two grids with a few
drains and lamp posts, local (China Standard Time) moments, and filing cases in one line.

Grid 130102001 建北街道 spans 114.40–114.50 E, grid 130102002 青园街道 114.50–114.60 E, both
38.00–38.10 N in 长安区; drain D1 sits at (114.45, 38.05), lamp post L1 at (114.46, 38.05)
with condition 3.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import geopandas as gpd
import shapely

import registry
from registry import Change
from registry.cases import Cases, Report
from registry.cases.deadlines import CST
from registry.cases.workflow import APPROVABLE

WEST_GRID, EAST_GRID = "130102001", "130102002"
DRAIN = (114.45, 38.05)
LAMP = (114.46, 38.05)
#: A point in each grid far from every asset.
IN_WEST, IN_EAST = (114.42, 38.02), (114.55, 38.02)


def local(text: str) -> datetime:
    """A moment in Shijiazhuang local time, written as ``2026-10-09 17:00``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def build_registry(path: Path | str) -> registry.Registry:
    reg = registry.create(path, county="130102")
    who = Change(who="测试")
    reg.add("grids", gpd.GeoDataFrame(
        {"source_id": [WEST_GRID, EAST_GRID], "name": ["建北街道", "青园街道"],
         "street_office": ["建北街道", "青园街道"], "district": ["长安区", "长安区"]},
        geometry=[shapely.box(114.40, 38.0, 114.50, 38.1), shapely.box(114.50, 38.0, 114.60, 38.1)],
        crs=4490), who)
    reg.add("drains", gpd.GeoDataFrame({"source_id": ["D1"], "condition": [4]},
                                       geometry=[shapely.Point(*DRAIN)], crs=4490), who)
    reg.add("lamp_posts", gpd.GeoDataFrame({"source_id": ["L1"], "condition": [3]},
                                           geometry=[shapely.Point(*LAMP)], crs=4490), who)
    return reg


def asset_uuid(reg: registry.Registry, layer: str, source_id: str) -> str:
    found = reg.query(layer=layer)
    return str(found.loc[found["source_id"] == source_id, "uuid"].iloc[0])


def file_case(cases: Cases, category: str, where: tuple[float, float], when: str,
              who: str = "巡查员", description: str = "") -> str:
    """Report and register a case at local time `when`; returns its id."""
    case = cases.report(Report(category, *where, description), Change(who=who, at=local(when)))
    cases.move(case.id, "register", Change(who="受理员", at=local(when)))
    return case.id


#: The reason given for the moves that need one (延期 adds 2 hours).
REASONS = {"extend": "等待配件", "suspend": "等待审批", "close_abnormal": "重复上报"}


def file_dispatched(cases: Cases, category: str, where: tuple[float, float], when: str) -> str:
    """Report, register and dispatch a case at local time `when`: its clock starts then."""
    case_id = file_case(cases, category, where, when)
    cases.move(case_id, "dispatch", Change(who="派遣员", at=local(when)))
    return case_id


def run(cases: Cases, case_id: str, *steps: tuple[str, str]) -> None:
    """Apply moves, each (move, local time), as the dispatcher, with a reason where needed;
    a 延期, 挂起 or 非正常结案 is requested and at once approved by the supervisor (值班长)."""
    for move, when in steps:
        extra = 2.0 if move == "extend" else 0.0
        cases.move(case_id, move, Change(who="派遣员", at=local(when)), extra_hours=extra,
                   note=REASONS.get(move, ""))
        if move in APPROVABLE:
            cases.move(case_id, "approve", Change(who="值班长", at=local(when)))


def late_and_on_time(path: Path | str, late_where: tuple[float, float],
                     done_where: tuple[float, float], done_category: str = "street_vending") -> str:
    """In the registry at `path`: a street-vending case registered Monday 12 Oct 2026 09:00,
    dispatched and never handled (overdue), and a case closed on time the next day; returns
    the overdue one's id."""
    reg = registry.open(path)
    cases = Cases(reg)
    late = file_case(cases, "street_vending", late_where, "2026-10-12 09:00")
    run(cases, late, ("dispatch", "2026-10-12 09:10"))
    done = file_case(cases, done_category, done_where, "2026-10-13 09:00")
    run(cases, done, ("dispatch", "2026-10-13 09:05"), ("handle", "2026-10-13 10:00"),
        ("verify", "2026-10-13 10:20"), ("close", "2026-10-13 10:30"))
    reg.close()
    return late
