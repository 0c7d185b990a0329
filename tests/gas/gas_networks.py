"""Small hand-built gas networks in real GeoPackage registries, whose answers are known.

Coordinates are given in metres from an origin in Shijiazhuang (EPSG:4547) and stored by the
registry in EPSG:4490, so every test also goes through the projection both ways.

``loop_city`` — 甲小区 (x, y in m):

    D1 (-40,80)──(0,80)──R3──(60,80)
                   │V2 (0,60)       │L1
                 (0,40)──R1──(60,40)
                   │V1 (0,20)
                 (0,0)  regulator
                   │B0 medium_b
                 (0,-20) feed

T1 (0,0)-(0,40) carries line valve V1 at (0,20); R2 (0,40)-(0,80) carries V2 at (0,60).
Buildings: b1 by R1 (20 households), b2 by R3 (30), b3 by D1 (10), b4 by T1 below V1 (6).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

import registry
from registry import Change
from registry.gas.buildings import load_buildings
from registry.gas.valves import save_valve

ORIGIN = (544_000.0, 4_212_000.0)
WHO = Change(who="测试", source="import", ref="tests")


def at(x: float, y: float) -> tuple[float, float]:
    """Metric local (x, y) as EPSG:4547 coordinates."""
    return ORIGIN[0] + x, ORIGIN[1] + y


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Metric local (x, y) as lon/lat (EPSG:4490)."""
    point = gpd.GeoSeries([shapely.Point(at(x, y))], crs=4547).to_crs(4490).iloc[0]
    return point.x, point.y


def mains_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Rows with ``xy`` (a list of local points) and attributes, as a gas_mains frame."""
    lines = [shapely.LineString([at(*p) for p in r["xy"]]) for r in rows]
    attrs = [{k: v for k, v in r.items() if k != "xy"} for r in rows]
    return gpd.GeoDataFrame(attrs, geometry=lines, crs=4547)


def main(sid: str, xy: list[tuple[float, float]], **attrs: Any) -> dict[str, Any]:
    base = {"source_id": sid, "xy": xy, "courtyard": "甲小区", "material": "grey_cast_iron",
            "pressure_class": "low", "pressure_mpa": 0.005, "diameter_mm": 100,
            "install_year": 1988, "households": 10}
    return base | attrs


LOOP_MAINS = [
    main("B0", [(0, -20), (0, 0)], pressure_class="medium_b", pressure_mpa=0.15, diameter_mm=200),
    main("T1", [(0, 0), (0, 40)]), main("R1", [(0, 40), (60, 40)]),
    main("R2", [(0, 40), (0, 80)]), main("R3", [(0, 80), (60, 80)]),
    main("L1", [(60, 40), (60, 80)]), main("D1", [(0, 80), (-40, 80)]),
]
LOOP_BUILDINGS = [("b1", 20, (30, 45)), ("b2", 30, (30, 85)), ("b3", 10, (-20, 85)),
                  ("b4", 6, (5, 10))]


def build(path: Path | str, mains: list[dict[str, Any]], *,
          buildings: list[tuple[str, int, tuple[float, float]]] = (),
          line_valves: dict[str, tuple[float, float, str]] | None = None,
          safety_valves: list[tuple[float, float]] = ()) -> registry.Registry:
    """A registry at `path` holding `mains` and the given valves and buildings."""
    reg = registry.create(path, county="130102")
    reg.add("gas_mains", mains_frame(mains), WHO)
    for key, (x, y, state) in (line_valves or {}).items():
        save_valve(reg, key, *lonlat(x, y), state, WHO)
    if buildings:
        survey = gpd.GeoDataFrame(
            {"小区": ["甲小区"] * len(buildings), "楼栋": [b[0] for b in buildings],
             "户数": [b[1] for b in buildings]},
            geometry=[shapely.Point(at(*b[2])) for b in buildings], crs=4547)
        load_buildings(reg, survey, WHO)
    if safety_valves:
        reg.add("safety_valves", gpd.GeoDataFrame(
            {"courtyard": ["甲小区"] * len(safety_valves), "building": ["b1"] * len(safety_valves),
             "status": ["planned"] * len(safety_valves)},
            geometry=[shapely.Point(at(*p)) for p in safety_valves], crs=4547), WHO)
    return reg
