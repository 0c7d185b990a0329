"""Old residential courtyards (小区) of the demo city, where the gas renovation programme works.

A courtyard is a rectangle set back from an E–W main road, its building rows parallel to
the road so the flats face south. It carries its own frame: ``origin`` (the corner at the
road side), ``u`` (along the road), ``v`` (away from the road), ``width`` along u, ``depth``
along v, and ``gate`` (metres along u where the gas branch enters from the street main).

>>> from importers.demo_city import demo_city
>>> yards = place_courtyards(demo_city(), 20, np.random.default_rng(0))
>>> len(yards), bool(yards.geometry.is_valid.all())
(20, True)
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.demo_city import CITY_CRS, DemoCity, road_directions
from importers.demo_names import courtyard_names

#: Courtyard sizes (m): width along the road and depth away from it.
WIDTH_M, DEPTH_M = (110.0, 200.0), (90.0, 180.0)
#: Distance from the kerb to the courtyard wall (m).
SETBACK_M = (15.0, 60.0)
#: Street gas mains run under the footway, this far outside the kerb (m).
STREET_MAIN_OFFSET_M = 3.0
#: Clear space kept between courtyards, and between a courtyard and a road or river (m).
CLEARANCE_M = 15.0


def place_courtyards(city: DemoCity, count: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Up to `count` non-overlapping courtyards beside the E–W main roads, in a seeded order."""
    candidates = _candidates(city, 8 * count + 50, rng)
    free = _clear_of_roads_and_rivers(city, candidates.geometry.to_numpy())
    candidates = candidates[free].reset_index(drop=True)
    kept = candidates.iloc[_non_overlapping(candidates.geometry.to_numpy())[:count]]
    kept = kept.reset_index(drop=True)
    kept.insert(0, "name", courtyard_names(len(kept), rng))
    return kept


def _candidates(city: DemoCity, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    roads = city.roads[city.roads["direction"] == "EW"].reset_index(drop=True)
    road = rng.choice(len(roads), n, p=roads.length / roads.length.sum())
    lines = roads.geometry.to_numpy()[road]
    at = shapely.line_interpolate_point(lines, rng.uniform(0.05, 0.95, n), normalized=True)
    u = road_directions(lines, at)
    side = rng.choice([-1.0, 1.0], n)
    v = u[:, ::-1] * [-1, 1] * side[:, None]
    half_width = roads["half_width_m"].to_numpy()[road]
    frame = pd.DataFrame({
        "road": roads["name"].to_numpy()[road], "width": rng.uniform(*WIDTH_M, n),
        "depth": rng.uniform(*DEPTH_M, n), "setback": half_width + rng.uniform(*SETBACK_M, n),
        "street_main": half_width + STREET_MAIN_OFFSET_M, "gate": rng.uniform(0.3, 0.7, n),
        "ux": u[:, 0], "uy": u[:, 1], "vx": v[:, 0], "vy": v[:, 1]})
    frame["gate"] *= frame["width"]
    road_point = shapely.get_coordinates(at)
    origin = road_point + v * frame[["setback"]].to_numpy() - u * frame[["gate"]].to_numpy()
    frame["ox"], frame["oy"] = origin[:, 0], origin[:, 1]
    return gpd.GeoDataFrame(frame, geometry=_outlines(frame), crs=CITY_CRS)


def _outlines(frame: pd.DataFrame) -> np.ndarray:
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    which = np.repeat(np.arange(len(frame)), len(corners))
    local = np.tile(corners, (len(frame), 1)) * frame[["width", "depth"]].to_numpy()[which]
    return shapely.polygons(to_world(frame, which, local).reshape(len(frame), len(corners), 2))


def to_world(yards: pd.DataFrame, which: np.ndarray, local: np.ndarray) -> np.ndarray:
    """EPSG:4547 x, y of points given in their courtyard's frame.

    `which` (n,) says which courtyard (row of `yards`) each local point (n, 2) belongs to.
    """
    origin = yards[["ox", "oy"]].to_numpy()[which]
    along, away = yards[["ux", "uy"]].to_numpy()[which], yards[["vx", "vy"]].to_numpy()[which]
    return origin + local[:, :1] * along + local[:, 1:] * away


def _clear_of_roads_and_rivers(city: DemoCity, outlines: np.ndarray) -> np.ndarray:
    roads = city.roads.geometry.buffer(city.roads["half_width_m"] + CLEARANCE_M).union_all()
    rivers = city.rivers.geometry.buffer(city.rivers["half_width_m"] + CLEARANCE_M).union_all()
    inside = shapely.within(outlines, city.outline.buffer(-CLEARANCE_M))
    return inside & ~shapely.intersects(outlines, shapely.union(roads, rivers))


def _non_overlapping(outlines: np.ndarray) -> np.ndarray:
    """Indices of outlines kept first-come first-served, each clear of those kept before."""
    tree = shapely.STRtree(outlines)
    near = tree.query(shapely.buffer(outlines, CLEARANCE_M), predicate="intersects")
    clashes: dict[int, list[int]] = {}
    for a, b in near.T:
        clashes.setdefault(int(a), []).append(int(b))
    kept: set[int] = set()
    for i in range(len(outlines)):
        if not kept.intersection(clashes.get(i, [])):
            kept.add(i)
    return np.array(sorted(kept), dtype=int)
