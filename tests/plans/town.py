"""A small hand-built registry whose risk order is known, for the plan and package tests.

Four storm inlets 500 m apart (no neighbours), scored on ``TODAY`` with the shipped weights
(condition 30, age 10, incidents 40, overdue 20; main road × 1.5):

| inlet | condition | built | road | incidents | last cleaned | likelihood | score |
|---|---|---|---|---|---|---|---|
| A | 5 | 1990 | 中山路 (main) | 3 dumping | never | 30+10+30+20 = 90 | 135 |
| B | 5 | 2020 | 小安巷 | 0 | never | 30+2+0+20 = 52 | 52 |
| C | 1 | 2024 | 小安巷 | 0 | 10 days ago | 0+0.667+0+0 | 0.67 |
| D | 3 | ? | 裕华路 (main) | 0 | never | 15+5+0+20 = 40 | 60 |
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import shapely

import registry
from registry import Change, MaintenanceEvent

TODAY = date(2026, 6, 1)
WHO = Change(who="测试", why="hand-built set", source="import", ref="plans-test")
#: Expected scores on TODAY, riskiest first.
EXPECTED = {"A": 135.0, "D": 60.0, "B": 52.0, "C": 0.67}


@dataclass(frozen=True)
class Town:
    """The registry and the uuid of each named asset."""

    reg: registry.Registry
    ids: dict[str, str]
    path: Path | str

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def _inlets() -> gpd.GeoDataFrame:
    lon = [114.50 + 0.006 * i for i in range(4)]
    return gpd.GeoDataFrame({
        "source_id": ["A", "B", "C", "D"], "condition": [5, 5, 1, 3],
        "install_year": [1990, 2020, 2024, None], "depth_m": [1.2, 1.5, 1.0, 0.9],
        "road_name": ["中山路", "小安巷", "小安巷", "裕华路"],
        "last_cleaned": [None, None, "2026-05-22", None],
    }, geometry=shapely.points(lon, [38.04] * 4), crs=4490)


def build_town(path: Path | str) -> Town:
    """Create the hand-built registry at `path`."""
    reg = registry.create(path, county="130102")
    grid = gpd.GeoDataFrame({"source_id": ["130102001", "130102002"], "name": ["建北街道", "青园街道"]},
                            geometry=[shapely.box(114.49, 38.0, 114.511, 38.1),
                                      shapely.box(114.511, 38.0, 114.55, 38.1)], crs=4490)
    reg.add("grids", grid, WHO)
    added = reg.add("drains", _inlets(), WHO)
    ids = dict(zip(added["source_id"], added["uuid"]))
    for day in ("2026-01-10", "2026-03-12", "2026-05-02"):
        reg.record_event(ids["A"], MaintenanceEvent(kind="dumping", date=day), WHO)
    # An old incident, outside the 365-day window: it must not count.
    reg.record_event(ids["A"], MaintenanceEvent(kind="dumping", date="2024-01-01"), WHO)
    return Town(reg, ids, path)

