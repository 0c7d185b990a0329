"""Demo courtyard gas mains (庭院燃气管道) and the buildings (楼栋) they serve.

Each courtyard gets a small network: a medium-pressure branch from the street main to the
regulator at the gate, a low-pressure trunk up the courtyard, a main along every row of
buildings, and one or two loops joining row ends. Segments are split at junctions and
share their end points exactly. Courtyards are added until the mains reach the
programme's length (≈ 112 km at scale 1).

>>> from importers.demo_city import demo_city
>>> survey, buildings = gas_survey(demo_city(), 0.05, np.random.default_rng(0))
>>> bool(abs(survey.frame.length.sum() - 5600) < 1000), len(buildings) > 10
(True, True)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.demo_city import CITY_CRS, DemoCity
from importers.demo_courtyards import place_courtyards, to_world
from importers.demo_schema import Survey, expect, header, id_header, scaled, spell

PROGRAMME_LENGTH_M = 112_000.0
#: Typical mains per courtyard (m), to know how many courtyards to lay out.
TYPICAL_COURTYARD_M = 500.0
#: Material share by length (old stock dominates) and the years each was laid.
MATERIALS = {"grey_cast_iron": (0.35, 1975, 1995), "steel": (0.30, 1980, 2008),
             "ductile_iron": (0.10, 1995, 2010), "pe": (0.25, 2000, 2015)}
#: Nominal diameters (DN) by the part a segment plays in the network.
DIAMETERS = {"branch": [150, 200, 250, 300], "trunk": [100, 150, 200], "row": [50, 80, 100],
             "loop": [50, 80]}
#: Design pressure (MPa) by pressure class.
PRESSURES = {"low": [0.005], "medium_b": [0.15, 0.2], "medium_a": [0.3, 0.4]}
ROW_SPACING_M, FIRST_ROW_M, EDGE_M = 32.0, 18.0, 8.0


@dataclass
class Network:
    """One courtyard's mains and buildings, in the courtyard's own frame (metres)."""

    segments: np.ndarray     # (m, 2, 2) end points
    role: np.ndarray         # branch / trunk / row / loop
    households: np.ndarray   # households downstream of each segment
    buildings: dict[str, np.ndarray]  # x, y, units, floors, households

    @property
    def length(self) -> float:
        return float(np.linalg.norm(np.diff(self.segments, axis=1), axis=2).sum())


def gas_survey(city: DemoCity, scale: float,
               rng: np.random.Generator) -> tuple[Survey, gpd.GeoDataFrame]:
    """庭院燃气管道 survey rows (EPSG:4547) and the buildings of the courtyards it covers."""
    target = PROGRAMME_LENGTH_M * scale
    yards = place_courtyards(city, int(target / TYPICAL_COURTYARD_M) + 5, rng)
    networks: list[Network] = []
    laid = 0.0
    for yard in yards.itertuples():
        if laid >= target:
            break
        networks.append(_lay_network(yard, rng))
        laid += networks[-1].length
    yards = yards.iloc[:len(networks)]
    mains = _mains(yards, networks, rng)
    return _gas_traps(mains, yards, scale, rng), _buildings(yards, networks)


def _lay_network(yard: Any, rng: np.random.Generator) -> Network:
    rows = np.arange(FIRST_ROW_M, yard.depth - 12, ROW_SPACING_M)
    buildings = _building_rows(yard.width, rows, rng)
    right = buildings["x"] >= yard.gate
    per_row = np.bincount(2 * buildings["row"] + right, weights=buildings["households"],
                          minlength=2 * rows.size)
    served = per_row.reshape(-1, 2).sum(axis=1)[::-1].cumsum()[::-1]
    segments = [[(yard.gate, yard.street_main - yard.setback), (yard.gate, 0.0)]]
    segments += [[(yard.gate, a), (yard.gate, b)] for a, b in zip(np.r_[0.0, rows[:-1]], rows)]
    for y in rows:
        segments += [[(yard.gate, y), (EDGE_M, y)], [(yard.gate, y), (yard.width - EDGE_M, y)]]
    loops = _loops(yard.width, rows, rng)
    role = ["branch"] + ["trunk"] * rows.size + ["row"] * 2 * rows.size + ["loop"] * len(loops)
    households = np.r_[served[0], served, per_row, np.zeros(len(loops))]
    return Network(np.array(segments + loops, dtype=float), np.array(role), households.astype(int),
                   buildings)


def _loops(width: float, rows: np.ndarray, rng: np.random.Generator) -> list:
    """One or two loops, each joining the ends of two neighbouring rows on one side."""
    count = min(int(rng.integers(1, 3)), rows.size - 1)
    first = rng.choice(rows.size - 1, count, replace=False)
    ends = np.where(rng.random(first.size) < 0.5, EDGE_M, width - EDGE_M)
    return [[(x, rows[k]), (x, rows[k + 1])] for k, x in zip(first, ends)]


def _building_rows(width: float, rows: np.ndarray,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Slab blocks just north of each row main: 45–60 m long, 15 m per stair unit, 5–7 floors."""
    length = rng.uniform(45, 60)
    per_row = int((width - 2 * EDGE_M + 12) // (length + 12))
    x = EDGE_M + length / 2 + np.arange(per_row) * (length + 12)
    x += (width - 2 * EDGE_M - (per_row * (length + 12) - 12)) / 2
    floors = rng.choice([5, 6, 7], per_row * rows.size, p=[0.3, 0.5, 0.2])
    units = np.full(floors.size, round(length / 15))
    return {"row": np.repeat(np.arange(rows.size), per_row), "x": np.tile(x, rows.size),
            "y": np.repeat(rows + 10, per_row), "units": units, "floors": floors,
            "households": units * floors * 2}


def _mains(yards: gpd.GeoDataFrame, networks: list[Network],
           rng: np.random.Generator) -> gpd.GeoDataFrame:
    which = np.repeat(np.arange(len(networks)), [len(n.role) for n in networks])
    local = np.concatenate([n.segments for n in networks]).reshape(-1, 2)
    ends = to_world(yards, np.repeat(which, 2), local).reshape(-1, 2, 2)
    role = np.concatenate([n.role for n in networks])
    share, first, last = (np.array(column) for column in zip(*MATERIALS.values()))
    # Systematic sampling: the shares hold even over a few dozen courtyards.
    spread = (np.arange(len(yards)) + rng.random()) / len(yards)
    material = rng.permutation(np.searchsorted(np.cumsum(share), spread))
    year = rng.integers(first[material], last[material] + 1)
    pressure = np.where(role == "branch", rng.choice(["medium_b", "medium_a"], role.size,
                                                     p=[0.7, 0.3]), "low")
    return gpd.GeoDataFrame({
        "courtyard": yards["name"].to_numpy()[which],
        "material": np.array(list(MATERIALS))[material][which],
        "diameter": _choose_by(role, DIAMETERS, rng), "pressure": pressure,
        "mpa": _choose_by(pressure, PRESSURES, rng), "year": year[which], "role": role,
        "households": np.concatenate([n.households for n in networks])},
        geometry=shapely.linestrings(ends), crs=CITY_CRS)


def _choose_by(keys: np.ndarray, options: dict[str, list], rng: np.random.Generator) -> np.ndarray:
    """For each key, a random pick among its options (a diameter for a role, say)."""
    chosen = np.empty(keys.size, dtype=np.result_type(*[np.array(v) for v in options.values()]))
    for key, values in options.items():
        at = keys == key
        chosen[at] = rng.choice(values, at.sum())
    return chosen


def _gas_traps(mains: gpd.GeoDataFrame, yards: gpd.GeoDataFrame, scale: float,
               rng: np.random.Generator) -> Survey:
    mains["id"] = [f"GM-{i:06d}" for i in range(1, len(mains) + 1)]
    swapped = _swap_pressure_labels(mains, scaled(4, scale, least=2), rng)
    gaps = _near_misses(mains, scaled(6, scale), rng)
    orphan = _dangle(mains, yards, rng)
    mains = pd.concat([mains, orphan], ignore_index=True)
    traps = ["old-style GeoJSON: a `crs` member names EPSG:4490 (urn:ogc:def:crs:EPSG::4490)",
             f"pressure class contradicts 设计压力 at {', '.join(mains['id'][swapped])}",
             "near-misses (end stops short of its junction): "
             + ", ".join(f"{mains['id'][i]} {gap:.2f} m" for i, gap in gaps.items()),
             f"{orphan['id'].iloc[0]} is a dangling segment that touches no other main"]
    return Survey("gas_mains", "gas_mains.geojson", _gas_columns(mains, rng), traps,
                  expect(len(mains), warned=len(swapped)))


def _swap_pressure_labels(mains: gpd.GeoDataFrame, count: int,
                          rng: np.random.Generator) -> np.ndarray:
    """Label some branches 中压A at 0.15 MPa and others 中压B at 0.3 MPa, as files in the
    wild do; returns their positions."""
    branches = np.flatnonzero(mains["role"] == "branch")
    swapped = np.sort(rng.choice(branches, min(count, branches.size), replace=False))
    half = rng.permutation(swapped.size) < (swapped.size + 1) // 2
    mains.loc[swapped, "pressure"] = np.where(half, "medium_a", "medium_b")
    mains.loc[swapped, "mpa"] = np.where(half, 0.15, 0.3)
    return swapped


def _near_misses(mains: gpd.GeoDataFrame, count: int, rng: np.random.Generator) -> dict:
    """Pull the junction end of some row mains back by 0.2–2 m; returns position → gap."""
    rows = rng.choice(np.flatnonzero(mains["role"] == "row"), count, replace=False)
    gaps = rng.uniform(0.2, 2.0, count).round(2)
    ends = shapely.get_coordinates(mains.geometry.to_numpy()[rows]).reshape(-1, 2, 2)
    heading = (ends[:, 1] - ends[:, 0]) / np.linalg.norm(ends[:, 1] - ends[:, 0], axis=1)[:, None]
    ends[:, 0] += heading * gaps[:, None]
    mains.loc[rows, "geometry"] = shapely.linestrings(ends)
    return dict(sorted(zip(rows.tolist(), gaps.tolist())))


def _dangle(mains: gpd.GeoDataFrame, yards: gpd.GeoDataFrame,
            rng: np.random.Generator) -> gpd.GeoDataFrame:
    """A short main lying loose between the gate and the first row, touching nothing."""
    k = int(rng.integers(len(yards)))
    yard = yards.iloc[k]
    start = yard["gate"] + 10
    end = start + min(25.0, yard["width"] - EDGE_M - start - 5)
    local = np.array([[start, FIRST_ROW_M - 6], [end, FIRST_ROW_M - 6]])
    loose = mains[(mains["courtyard"] == yard["name"]) & (mains["role"] == "row")].iloc[[0]].copy()
    loose["geometry"] = [shapely.LineString(to_world(yards, np.array([k, k]), local))]
    loose["id"], loose["households"] = f"GM-{len(mains) + 1:06d}", 0
    return loose


def _gas_columns(mains: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    columns = {
        id_header("gas_mains"): mains["id"],
        header("gas_mains", "courtyard"): mains["courtyard"],
        header("gas_mains", "material"): spell("gas_mains", "material", mains["material"].to_numpy(),
                                               rng, usual={"steel": "钢管"}),
        header("gas_mains", "diameter_mm"): mains["diameter"],
        header("gas_mains", "pressure_class"): spell("gas_mains", "pressure_class",
                                                     mains["pressure"].to_numpy(), rng),
        header("gas_mains", "pressure_mpa"): mains["mpa"],
        header("gas_mains", "install_year"): mains["year"],
        header("gas_mains", "households"): mains["households"],
    }
    return gpd.GeoDataFrame(columns, geometry=mains.geometry, crs=CITY_CRS)


def _buildings(yards: gpd.GeoDataFrame, networks: list[Network]) -> gpd.GeoDataFrame:
    """The buildings as points, numbered 1号楼, 2号楼 ... within each courtyard."""
    which = np.repeat(np.arange(len(networks)), [n.buildings["x"].size for n in networks])
    field = {key: np.concatenate([n.buildings[key] for n in networks])
             for key in ("x", "y", "units", "floors", "households")}
    xy = to_world(yards, which, np.column_stack([field["x"], field["y"]]))
    number = np.arange(which.size) - np.searchsorted(which, which) + 1
    return gpd.GeoDataFrame({
        "courtyard": yards["name"].to_numpy()[which], "building": [f"{k}号楼" for k in number],
        "units": field["units"], "floors": field["floors"], "households": field["households"],
        "ux": yards["ux"].to_numpy()[which], "uy": yards["uy"].to_numpy()[which]},
        geometry=shapely.points(xy), crs=CITY_CRS)
