"""Demo surveys of street furniture: storm-drain inlets (收水井) and lamp posts (路灯).

Each contractor's lot covers a random set of main roads, long enough for the asked count:
inlets every 40 m on both sides, 2 m inside the kerb line; lamps every 30 m, staggered
left and right on the footway. Traps are set the way real deliveries go wrong.

>>> from importers.demo_city import demo_city
>>> survey = drain_survey(demo_city(), 0.02, np.random.default_rng(0))
>>> survey.expect["duplicates"], survey.expect["rejected"]
(1, 2)
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from importers.demo_city import CITY_CRS, DemoCity, points_along
from importers.demo_schema import Survey, expect, header, id_header, scaled, spell

DRAIN_SPACING_M = 40.0
LAMP_SPACING_M = 30.0
#: Inlets sit this far inside the kerb line, in the gutter.
DRAIN_KERB_INSET_M = 2.0
#: Lamp posts stand this far outside the kerb line, on the footway.
LAMP_KERB_OFFSET_M = 1.5
#: Survey counts at scale 1.
DRAINS = 4000
LAMPS = 6000
CONDITION_WEIGHTS = (0.3, 0.35, 0.2, 0.1, 0.05)


def drain_survey(city: DemoCity, scale: float, rng: np.random.Generator) -> Survey:
    """收水井 survey rows with duplicate ids, a near-duplicate pair and a point far outside."""
    count = scaled(DRAINS, scale, least=10)
    roads = surveyed_roads(city.roads, count / 2 * DRAIN_SPACING_M, rng)
    inset = roads["half_width_m"].to_numpy() - DRAIN_KERB_INSET_M
    left, on_left = points_along(roads.geometry.to_numpy(), DRAIN_SPACING_M, inset)
    right, on_right = points_along(roads.geometry.to_numpy(), DRAIN_SPACING_M, -inset,
                                   DRAIN_SPACING_M / 2)
    frame = _drain_rows(np.concatenate([left, right]),
                        roads["name"].to_numpy()[np.concatenate([on_left, on_right])], rng)
    return _drain_traps(frame, city, rng)


def lamp_survey(city: DemoCity, scale: float, rng: np.random.Generator) -> Survey:
    """路灯 survey rows with a few bad values (wattage ``abc``, height ``-3``)."""
    count = scaled(LAMPS, scale, least=10)
    roads = surveyed_roads(city.roads, count * LAMP_SPACING_M, rng)
    offset = roads["half_width_m"].to_numpy() + LAMP_KERB_OFFSET_M
    # Staggered: each side has a post every 60 m, the two sides half a step apart.
    left, on_left = points_along(roads.geometry.to_numpy(), 2 * LAMP_SPACING_M, offset)
    right, on_right = points_along(roads.geometry.to_numpy(), 2 * LAMP_SPACING_M, -offset,
                                   LAMP_SPACING_M)
    on_road = np.concatenate([on_left, on_right])
    # Numbered road by road: along one side, then the other.
    order = np.lexsort((np.arange(on_road.size), on_road))
    frame = _lamp_rows(np.concatenate([left, right])[order],
                       roads["name"].to_numpy()[on_road][order], rng)
    return _lamp_traps(frame, scaled(3, scale), scaled(2, scale), rng)


def surveyed_roads(roads: gpd.GeoDataFrame, length_m: float,
                   rng: np.random.Generator) -> gpd.GeoDataFrame:
    """A contractor's lot: whole roads in a random order, the last one cut short, adding up to
    `length_m` (all roads when they are shorter than that).

    >>> from importers.demo_city import demo_city
    >>> lot = surveyed_roads(demo_city().roads, 5000, np.random.default_rng(0))
    >>> round(lot.length.sum())
    5000
    """
    picked = roads.iloc[rng.permutation(len(roads))].reset_index(drop=True)
    total = np.cumsum(picked.length.to_numpy())
    if total[-1] <= length_m:
        return picked
    last = int(np.searchsorted(total, length_m))
    picked = picked.iloc[:last + 1].copy()
    line = picked.geometry.iloc[last]
    picked.loc[last, "geometry"] = shapely.ops.substring(line, 0, line.length - total[last] + length_m)
    return picked


def _drain_rows(points: np.ndarray, road: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(points)
    columns = {
        id_header("drains"): [f"YS-{i:06d}" for i in range(1, n + 1)],
        header("drains", "grate_type"): spell("drains", "grate_type", rng.choice(
            ["flat", "vertical", "combined"], n, p=[0.5, 0.2, 0.3]), rng, variants=0.1),
        header("drains", "material"): spell("drains", "material", rng.choice(
            ["brick", "concrete", "plastic"], n, p=[0.55, 0.4, 0.05]), rng, variants=0.1),
        header("drains", "depth_m"): _dirty_depths(n, rng),
        header("drains", "outfall_pipe_mm"): rng.choice([200, 300, 400], n, p=[0.3, 0.5, 0.2]),
        header("drains", "road_name"): road,
        header("drains", "install_year"): rng.integers(1985, 2023, n),
        header("drains", "condition"): rng.choice(np.arange(1, 6), n, p=CONDITION_WEIGHTS),
    }
    return gpd.GeoDataFrame(columns, geometry=points, crs=CITY_CRS)


def _dirty_depths(n: int, rng: np.random.Generator) -> np.ndarray:
    """Depths typed into a text column: ``0.8``, ``1.2米``, and ``<空>``/``N/A`` for unknown."""
    depth = np.round(rng.uniform(0.6, 1.8, n), 1).astype(str).astype(object)
    kind = rng.choice(4, n, p=[0.86, 0.06, 0.04, 0.04])
    depth[kind == 1] = depth[kind == 1] + "米"
    depth[kind == 2] = "<空>"
    depth[kind == 3] = "N/A"
    return depth


def _drain_traps(frame: gpd.GeoDataFrame, city: DemoCity, rng: np.random.Generator) -> Survey:
    ids = id_header("drains")
    reused, original = rng.choice(len(frame), (2, 2), replace=False)
    frame.loc[reused, ids] = frame.loc[original, ids].to_numpy()
    twin = frame.iloc[[rng.integers(len(frame))]].copy()
    twin[ids] = f"YS-{len(frame) + 1:06d}"
    twin.geometry = shapely.transform(twin.geometry.to_numpy(), lambda xy: xy + [0.3, 0.2])
    stray = frame.iloc[[rng.integers(len(frame))]].copy()
    stray[ids] = f"YS-{len(frame) + 2:06d}"
    stray.geometry = [shapely.Point(city.outline.bounds[2] + 50_000, city.outline.centroid.y)]
    traps = ["no .cpg: text is GBK and GDAL would read it as Latin-1 (mojibake)",
             "no .prj: coordinates are EPSG:4526 (CGCS2000 GK zone 38, eastings prefixed 38)",
             "井深 is text: '<空>' and 'N/A' mean unknown, '1.2米' carries a unit",
             f"source ids {', '.join(frame.loc[reused, ids])} appear twice: each second "
             "record is rejected (its identity is taken)",
             f"{twin[ids].iloc[0]} lies 0.36 m from another inlet (probable duplicate)",
             f"{stray[ids].iloc[0]} lies 50 km east of the city, still inside the registry's "
             "area: imported, outside every grid (no grid code)"]
    frame = insert_rows(frame, pd.concat([twin, stray]), rng)
    return Survey("drains", "drains.shp", frame, traps,
                  expect(len(frame), rejected=len(reused), duplicates=1))


def _lamp_rows(points: np.ndarray, road: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(points)
    lamp_type = rng.choice(["LED", "HPS", "MH"], n, p=[0.55, 0.35, 0.10])
    watts = np.where(lamp_type == "LED", rng.choice([100, 150, 200], n),
                     np.where(lamp_type == "HPS", rng.choice([250, 400], n), 250))
    serial = np.arange(n)
    columns = {
        id_header("lamp_posts"): [f"LD-{i:06d}" for i in serial + 1],
        header("lamp_posts", "lamp_type"): spell("lamp_posts", "lamp_type", lamp_type, rng),
        header("lamp_posts", "wattage_w"): [f"{w}W" for w in watts],
        header("lamp_posts", "pole_height_m"): [f"{h}米" for h in rng.choice([8, 10, 12, 14], n)],
        header("lamp_posts", "lamp_count"): rng.choice([1, 2], n, p=[0.7, 0.3]),
        # A cabinet feeds about 40 consecutive posts on two circuits.
        header("lamp_posts", "circuit"): [f"{c}号回路" for c in serial // 20 % 2 + 1],
        header("lamp_posts", "cabinet"): [f"XB-{c:04d}" for c in serial // 40 + 1],
        header("lamp_posts", "road_name"): road,
        header("lamp_posts", "install_year"): rng.integers(1995, 2024, n),
        header("lamp_posts", "condition"): rng.choice(np.arange(1, 6), n, p=CONDITION_WEIGHTS),
    }
    return gpd.GeoDataFrame(columns, geometry=points, crs=CITY_CRS)


def _lamp_traps(frame: gpd.GeoDataFrame, bad_wattages: int, bad_heights: int,
                rng: np.random.Generator) -> Survey:
    bad = rng.choice(len(frame), bad_wattages + bad_heights, replace=False)
    wattage, height = bad[:bad_wattages], bad[bad_wattages:]
    frame.loc[wattage, header("lamp_posts", "wattage_w")] = "abc"
    frame.loc[height, header("lamp_posts", "pole_height_m")] = "-3"
    ids = frame[id_header("lamp_posts")]
    traps = ["GBK CSV as Excel saves it on Chinese Windows (no BOM, CRLF)",
             "经度/纬度 were picked on a web map: GCJ-02, about 530 m off (import with coords=gcj02)",
             f"功率 'abc' at {', '.join(ids[wattage])} (kept, wattage flagged)",
             f"灯杆高度 -3 at {', '.join(ids[height])} (kept, height flagged)"]
    return Survey("lamp_posts", "lamp_posts.csv", frame, traps,
                  expect(len(frame), flagged=len(bad)), {"coords": "gcj02"})


def insert_rows(frame: gpd.GeoDataFrame, extra: gpd.GeoDataFrame,
                rng: np.random.Generator) -> gpd.GeoDataFrame:
    """`frame` with the `extra` rows slipped in at random places, as a re-typed sheet has them.

    >>> frame = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[shapely.Point(0, 0)] * 3)
    >>> insert_rows(frame, frame.iloc[[0]], np.random.default_rng(0))["id"].tolist()
    [1, 2, 1, 3]
    """
    where = np.concatenate([np.arange(len(frame)), rng.uniform(0, len(frame), len(extra))])
    merged = pd.concat([frame, extra], ignore_index=True)
    return merged.iloc[np.argsort(where, kind="stable")].reset_index(drop=True)
