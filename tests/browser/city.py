"""A small synthetic city in a real registry, for the map, tile, copy and browser tests.

Four grids of 2 × 2 km around (114.50, 38.04); a lattice of drains whose condition cycles
1–5; lamp posts along 中山路; east–west gas mains whose material cycles; three bridges of
class A, D and E; and safety valves. Every count and value the tests assert comes from here.

>>> import tempfile
>>> reg = build_city(tempfile.mkdtemp() + "/city.gpkg")
>>> reg.count(layer="drains"), reg.count(layer="gas_mains")
(400, 12)
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

import registry
from registry import Change

WEST, SOUTH = 114.48, 38.02
#: Grid cells are 0.02° of longitude by 0.018° of latitude (about 1.75 × 2 km).
DLON, DLAT = 0.02, 0.018
GRID_NAMES = ["建北街道", "中华北大街街道", "新华路街道", "维明街道"]
MATERIALS = ["grey_cast_iron", "ductile_iron", "steel", "pe"]
BRIDGE_SCORES = {"民心河桥": 95.0, "和平路天桥": 60.0, "胜利桥": 40.0}
DRAINS_PER_SIDE = 20


def build_city(path: str | Path) -> registry.Registry:
    """Create the registry at `path` and fill every layer."""
    reg = registry.create(path, county="130102")
    who = Change(who="测试", why="synthetic city", source="import", ref="test-city")
    for layer, frame in (("grids", grids()), ("drains", drains()), ("lamp_posts", lamp_posts()),
                         ("gas_mains", gas_mains()), ("bridges", bridges()),
                         ("safety_valves", safety_valves())):
        reg.add(layer, frame, who)
    return reg


def _frame(columns: dict, geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geometry), crs=4490)


def grids() -> gpd.GeoDataFrame:
    boxes = [shapely.box(WEST + i * DLON, SOUTH + j * DLAT, WEST + (i + 1) * DLON,
                         SOUTH + (j + 1) * DLAT) for j in range(2) for i in range(2)]
    return _frame({"source_id": [f"13010200{k + 1}" for k in range(4)], "name": GRID_NAMES,
                   "street_office": GRID_NAMES, "district": ["长安区"] * 4}, boxes)


def drains() -> gpd.GeoDataFrame:
    """A 20 × 20 lattice inside the grids; drain k has condition k % 5 + 1."""
    steps = (np.arange(DRAINS_PER_SIDE) + 0.5) / DRAINS_PER_SIDE
    lon, lat = np.meshgrid(WEST + 2 * DLON * steps, SOUTH + 2 * DLAT * steps)
    n = lon.size
    return _frame({"source_id": [f"YS{k:04d}" for k in range(n)],
                   "condition": [k % 5 + 1 for k in range(n)], "depth_m": [1.5] * n,
                   "material": ["brick", "concrete"] * (n // 2), "road_name": ["中山路"] * n,
                   "install_year": [1990 + k % 30 for k in range(n)]},
                  shapely.points(lon.ravel(), lat.ravel()))


def lamp_posts() -> gpd.GeoDataFrame:
    lon = WEST + 0.001 + np.arange(30) * 0.0013
    return _frame({"source_id": [f"LD{k:03d}" for k in range(30)], "condition": [2] * 30,
                   "lamp_type": ["LED"] * 30, "road_name": ["中山路"] * 30},
                  shapely.points(lon, np.full(30, SOUTH + DLAT * 1.03)))


def gas_mains() -> gpd.GeoDataFrame:
    """Twelve 0.01° (~877 m) east–west mains; main k is of material k % 4."""
    lats = SOUTH + 0.003 + np.arange(12) * 0.0027
    lines = [shapely.LineString([(WEST + 0.005, y), (WEST + 0.015, y)]) for y in lats]
    return _frame({"source_id": [f"RQ{k:02d}" for k in range(12)],
                   "material": [MATERIALS[k % 4] for k in range(12)],
                   "diameter_mm": [100] * 12, "courtyard": ["怀特小区"] * 6 + ["联盟小区"] * 6,
                   "install_year": [1985 + k for k in range(12)]}, lines)


def bridges() -> gpd.GeoDataFrame:
    """Three 150 m deck polygons on the eastern grids, scored A, D and E."""
    lon = WEST + DLON + np.array([0.006, 0.010, 0.014])
    decks = [shapely.box(x - 0.0009, SOUTH + 0.012, x + 0.0009, SOUTH + 0.0134) for x in lon]
    return _frame({"source_id": ["QL1", "QL2", "QL3"], "name": list(BRIDGE_SCORES),
                   "bridge_type": ["river", "footbridge", "river"],
                   "bci": list(BRIDGE_SCORES.values()), "build_year": [1998, 1975, 1968],
                   "span_m": [30.0, 25.0, 40.0]}, decks)


def safety_valves() -> gpd.GeoDataFrame:
    lon = WEST + DLON + 0.002 + np.arange(15) * 0.001
    return _frame({"source_id": [f"ZB{k:02d}" for k in range(15)],
                   "status": ["planned", "installed", "verified"] * 5,
                   "courtyard": ["怀特小区"] * 15},
                  shapely.points(lon, np.full(15, SOUTH + DLAT * 1.6)))
