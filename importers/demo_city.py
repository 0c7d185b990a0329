"""The demo city: a plausible Shijiazhuang core with its outline, roads, rivers, districts and grids.

Everything is built in EPSG:4547 (CGCS2000 Gauss-Kruger CM 114°E, metres) from one seed, so
the survey generator and the benchmark place their assets in the same city:

>>> city = demo_city(seed=2026)
>>> len(city.grids), sorted(city.districts["name"])
(58, ['新华区', '桥西区', '裕华区', '长安区'])
>>> xy = scatter_points(city.outline, 1000, np.random.default_rng(0))
>>> bool(shapely.contains_xy(city.outline, xy[:, 0], xy[:, 1]).all())
True
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from importers.demo_names import (DISTRICTS, EAST_WEST_ROADS, GRID_DEPARTMENTS,
                                  NORTH_SOUTH_ROADS, RIVERS)

#: The metric CRS the city is built in; lengths and distances are metres in it.
CITY_CRS = "EPSG:4547"
#: The urban core's lon/lat box (CGCS2000): west, south, east, north.
CITY_BOUNDS_LONLAT = (114.40, 37.98, 114.62, 38.11)
GRID_COUNT = 58
#: Grids per corner of the city (each corner is one district); 58 in all.
CORNER_SIZES = {"northwest": 14, "southwest": 15, "northeast": 15, "southeast": 14}


@dataclass(frozen=True)
class DemoCity:
    """The city's geometry in EPSG:4547.

    ``roads``: name, direction (``EW``/``NS``), half_width_m, centre line. ``rivers``: name,
    half_width_m, centre line. ``grids``: grid_code, name, street_office, district,
    departments, polygon (they tile ``outline``). ``districts``: name, code, polygon.
    """

    outline: shapely.Polygon
    roads: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame


def demo_city(seed: int = 2026) -> DemoCity:
    """Build the demo city for `seed`; the same seed always gives the same city."""
    rng = np.random.default_rng([seed, 0])
    box = city_box()
    outline = _outline(box, rng)
    grids = _grids(outline, rng)
    return DemoCity(outline, _roads(box, outline, rng), _rivers(box, outline, rng), grids,
                    _districts(grids))


def city_box() -> tuple[float, float, float, float]:
    """The city's bounding box in EPSG:4547 metres (minx, miny, maxx, maxy)."""
    west, south, east, north = CITY_BOUNDS_LONLAT
    to_metres = Transformer.from_crs("EPSG:4490", CITY_CRS, always_xy=True)
    xs, ys = to_metres.transform([west, east], [south, north])
    return xs[0], ys[0], xs[1], ys[1]


def scatter_points(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points spread uniformly over `area`, as an (n, 2) array of x, y.

    >>> scatter_points(shapely.box(0, 0, 10, 10), 3, np.random.default_rng(0)).shape
    (3, 2)
    """
    minx, miny, maxx, maxy = shapely.bounds(area)
    found = np.empty((0, 2))
    while len(found) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(n, 64) * 2, 2))
        found = np.vstack([found, xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]])
    return found[:n]


def points_along(lines: np.ndarray, spacing: float, offset: float | np.ndarray = 0.0,
                 start: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Points every `spacing` metres along each line, `offset` metres to its left (right < 0).

    Returns the points and, for each, the index of the line it lies on.

    >>> points, line = points_along(np.array([shapely.LineString([(0, 0), (100, 0)])]), 40, 2)
    >>> shapely.get_coordinates(points).tolist(), line.tolist()
    ([[0.0, 2.0], [40.0, 2.0], [80.0, 2.0]], [0, 0, 0])
    """
    sides = shapely.offset_curve(lines, offset) if np.any(offset) else lines
    counts = np.ceil(np.maximum(shapely.length(sides) - start, 0) / spacing).astype(int)
    line = np.repeat(np.arange(len(lines)), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return shapely.line_interpolate_point(sides[line], start + step * spacing), line


def road_directions(lines: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Unit vectors (n, 2) along each line at the point on it nearest each of `points`.

    >>> road_directions(np.array([shapely.LineString([(0, 0), (0, 50)])]),
    ...                 np.array([shapely.Point(0, 10)])).tolist()
    [[0.0, 1.0]]
    """
    where = shapely.line_locate_point(lines, points)
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(lines, where + 5))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(lines, where - 5))
    return (ahead - behind) / np.linalg.norm(ahead - behind, axis=1)[:, None]


def _outline(box: tuple[float, ...], rng: np.random.Generator) -> shapely.Polygon:
    # A squarish blob (superellipse) with a smoothed random edge: cities are blockier
    # than ellipses, and their edges wander.
    angle = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    wobble = np.convolve(np.tile(rng.uniform(0.86, 1.0, angle.size), 3),
                         np.ones(5) / 5, mode="same")[angle.size:2 * angle.size]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half_w, half_h = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    x = cx + half_w * wobble * np.sign(np.cos(angle)) * np.abs(np.cos(angle)) ** 0.6
    y = cy + half_h * wobble * np.sign(np.sin(angle)) * np.abs(np.sin(angle)) ** 0.6
    return shapely.Polygon(np.column_stack([x, y]))


def _roads(box: tuple[float, ...], outline: shapely.Polygon,
           rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = [(name, "EW", width, _wavy_line(box, frac, "EW", 40.0, 0.0, rng))
            for name, frac, width in EAST_WEST_ROADS]
    rows += [(name, "NS", width, _wavy_line(box, frac, "NS", 40.0, 0.0, rng))
             for name, frac, width in NORTH_SOUTH_ROADS]
    return _clipped(rows, ["name", "direction", "half_width_m"], outline)


def _rivers(box: tuple[float, ...], outline: shapely.Polygon,
            rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = [(name, width, _wavy_line(box, frac, "EW", 15.0, 180.0, rng))
            for name, frac, width in RIVERS]
    return _clipped(rows, ["name", "half_width_m"], outline)


def _wavy_line(box: tuple[float, ...], frac: float, direction: str, jitter: float,
               meander: float, rng: np.random.Generator) -> shapely.LineString:
    """A line across the box at `frac`, slightly tilted, with jittered vertices and meanders."""
    along_axis, across_axis = (0, 1) if direction == "EW" else (1, 0)
    lo, hi = box[along_axis] - 500, box[along_axis + 2] + 500
    along = np.linspace(lo, hi, int((hi - lo) / 400) + 1)
    across = box[across_axis] + frac * (box[across_axis + 2] - box[across_axis])
    tilt = rng.uniform(-0.01, 0.01) * (along - along.mean())
    bends = meander * np.sin(2 * np.pi * along / 4200 + rng.uniform(0, 2 * np.pi))
    shift = across + tilt + bends + np.cumsum(rng.normal(0, jitter / 4, along.size)).clip(
        -jitter, jitter)
    xy = (along, shift) if direction == "EW" else (shift, along)
    return shapely.LineString(np.column_stack(xy))


def _clipped(rows: list[tuple], columns: list[str], outline: shapely.Polygon) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(pd.DataFrame([row[:-1] for row in rows], columns=columns),
                             geometry=shapely.intersection([row[-1] for row in rows], outline),
                             crs=CITY_CRS)
    return frame.explode(ignore_index=True)


def _grids(outline: shapely.Polygon, rng: np.random.Generator) -> gpd.GeoDataFrame:
    seeds = _grid_seeds(outline, rng)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=outline.buffer(5000), ordered=True))
    frame = _grid_attributes(seeds)
    return gpd.GeoDataFrame(frame, geometry=shapely.intersection(cells, outline),
                            crs=CITY_CRS).sort_values("grid_code", ignore_index=True)


def _grid_seeds(outline: shapely.Polygon, rng: np.random.Generator) -> np.ndarray:
    """58 evenly spread seeds: k-means over uniform points, so grids are of similar size."""
    sample = scatter_points(outline, 4000, rng)
    seeds = sample[rng.choice(len(sample), GRID_COUNT, replace=False)]
    for _ in range(20):
        nearest = np.argmin(((sample[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
        sums = np.zeros_like(seeds)
        np.add.at(sums, nearest, sample)
        seeds = sums / np.bincount(nearest, minlength=GRID_COUNT)[:, None]
    return seeds


def _grid_attributes(seeds: np.ndarray) -> pd.DataFrame:
    """Street office, district and grid code per seed, numbered north to south, west to east."""
    corner = _corners(seeds)
    rows = []
    for district in DISTRICTS:
        index = np.flatnonzero(corner == district.corner)
        index = index[np.lexsort((seeds[index, 0], -seeds[index, 1]))]
        rows += [(i, f"{district.code}{k + 1:03d}", office, office + "办事处", district.name)
                 for k, (i, office) in enumerate(zip(index, district.street_offices))]
    frame = pd.DataFrame(rows, columns=["seed", "grid_code", "name", "street_office", "district"])
    frame["departments"] = GRID_DEPARTMENTS
    return frame.sort_values("seed").drop(columns="seed").reset_index(drop=True)


def _corners(seeds: np.ndarray) -> np.ndarray:
    """The city corner (and so the district) of each seed: halves by x, then north/south."""
    corner = np.empty(len(seeds), dtype=object)
    by_x = np.argsort(seeds[:, 0])
    halves = ((by_x[:GRID_COUNT // 2], "northwest", "southwest"),
              (by_x[GRID_COUNT // 2:], "northeast", "southeast"))
    for half, north, south in halves:
        ordered = half[np.argsort(-seeds[half, 1])]
        corner[ordered[:CORNER_SIZES[north]]] = north
        corner[ordered[CORNER_SIZES[north]:]] = south
    return corner


def _districts(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    codes = {district.name: district.code for district in DISTRICTS}
    merged = grids.dissolve(by="district", as_index=False)[["district", "geometry"]]
    merged = merged.rename(columns={"district": "name"})
    merged.insert(1, "code", merged["name"].map(codes))
    return merged
