"""The benchmark city: a seeded, city-scale census of the demo Shijiazhuang, as GeoDataFrames.

The geometry (outline, 58 grids) is the demo city of `importers.demo_city`; on it we scatter
point assets split across drains, lamp posts and safety valves, and short gas-main segments,
with attribute values drawn from each layer's own definition in `layers/*.toml`. Everything
comes from one `numpy.random.default_rng(seed)` drawn in a fixed order, so the same sizes and
seed always give the same frames — the cache key relies on it.

>>> city = bench_city(points=100, mains=10)
>>> {name: len(f) for name, f in city.points.items()}, len(city.mains), len(city.grids)
({'drains': 40, 'lamp_posts': 35, 'safety_valves': 25}, 10, 58)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

import registry
from importers.demo_city import CITY_CRS, demo_city, scatter_points
from importers.demo_names import EAST_WEST_ROADS, NORTH_SOUTH_ROADS
from registry.layers import Field, Layer

SEED = 2026
STORAGE_CRS = "EPSG:4490"
#: How the point assets split over the point layers; drains, the largest, is the query layer.
POINT_SHARES = {"drains": 0.40, "lamp_posts": 0.35, "safety_valves": 0.25}
#: Gas-main segments are this long (metres), as surveyed between fittings.
MAIN_LENGTH_M = (10.0, 80.0)
_ROADS = np.array([r[0] for r in EAST_WEST_ROADS + NORTH_SOUTH_ROADS], dtype=object)
_TO_LONLAT = Transformer.from_crs(CITY_CRS, STORAGE_CRS, always_xy=True)
_TO_METRES = Transformer.from_crs(STORAGE_CRS, CITY_CRS, always_xy=True)


@dataclass(frozen=True)
class BenchCity:
    """Frames ready for `Registry.add`, in EPSG:4490, and the metric outline to sample in."""

    grids: gpd.GeoDataFrame
    points: dict[str, gpd.GeoDataFrame]
    mains: gpd.GeoDataFrame
    outline_m: shapely.Polygon
    seed: int


def bench_city(points: int, mains: int, seed: int = SEED) -> BenchCity:
    """Build the city: `points` point assets and `mains` gas-main segments."""
    rng = np.random.default_rng(seed)
    city = demo_city(seed)
    layers = registry.load_layers()
    grids = city.grids.to_crs(STORAGE_CRS).rename(columns={"grid_code": "source_id"})
    frames = {name: _point_layer(layers[name], n, city.outline, rng)
              for name, n in split(points).items()}
    return BenchCity(grids, frames, _mains(layers["gas_mains"], mains, city.outline, rng),
                     city.outline, seed)


def split(points: int) -> dict[str, int]:
    """How many points each point layer gets; the last takes the rounding remainder."""
    counts = {name: int(points * share) for name, share in POINT_SHARES.items()}
    counts["safety_valves"] += points - sum(counts.values())
    return counts


def to_lonlat(xy: np.ndarray) -> np.ndarray:
    """EPSG:4547 metres to EPSG:4490 lon/lat, on an (n, 2) array."""
    return np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1]))


def to_metres(points: np.ndarray) -> np.ndarray:
    """EPSG:4490 points to EPSG:4547 points, where distances are metres."""
    xy = shapely.get_coordinates(points)
    return shapely.points(np.column_stack(_TO_METRES.transform(xy[:, 0], xy[:, 1])))


def _point_layer(layer: Layer, n: int, outline: shapely.Polygon,
                 rng: np.random.Generator) -> gpd.GeoDataFrame:
    xy = to_lonlat(scatter_points(outline, n, rng))
    data = {"source_id": _ids(layer.name, n), **_attributes(layer, n, rng)}
    return gpd.GeoDataFrame(data, geometry=shapely.points(xy), crs=STORAGE_CRS)


def _mains(layer: Layer, n: int, outline: shapely.Polygon,
           rng: np.random.Generator) -> gpd.GeoDataFrame:
    start = scatter_points(outline, n, rng)
    length = rng.uniform(*MAIN_LENGTH_M, n)
    heading = rng.uniform(0, 2 * np.pi, (n, 2))
    # Two legs with their own heading: courtyard mains bend round buildings.
    mid = start + (length / 2)[:, None] * np.column_stack([np.cos(heading[:, 0]),
                                                         np.sin(heading[:, 0])])
    end = mid + (length / 2)[:, None] * np.column_stack([np.cos(heading[:, 1]),
                                                       np.sin(heading[:, 1])])
    xy = to_lonlat(np.stack([start, mid, end], axis=1).reshape(-1, 2))
    lines = shapely.linestrings(xy, indices=np.repeat(np.arange(n), 3))
    data = {"source_id": _ids(layer.name, n), **_attributes(layer, n, rng)}
    return gpd.GeoDataFrame(data, geometry=lines, crs=STORAGE_CRS)


def _ids(layer: str, n: int) -> list[str]:
    """Survey ids as contractors write them: a layer prefix and a serial."""
    prefix = layer[:2].upper()
    return [f"{prefix}{i:07d}" for i in range(n)]


def _attributes(layer: Layer, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {f.name: _draw(layer, f, n, rng) for f in layer.fields if not f.derived}


def _draw(layer: Layer, f: Field, n: int, rng: np.random.Generator) -> np.ndarray:
    """Values for one field: a realistic rule where we know one, else the field's domain."""
    rule = _RULES.get((layer.name, f.name)) or _RULES.get(("*", f.name))
    if rule is not None:
        return rule(n, rng)
    if f.values is not None:
        return rng.choice(np.array(f.values, dtype=object), n)
    if f.type == "date":
        return _dates(n, rng)
    if f.type == "bool":
        return rng.random(n) < 0.5
    if f.type in ("int", "float") and f.range is not None:
        values = rng.uniform(*f.range, n)
        return np.round(values) if f.type == "int" else np.round(values, 2)
    return rng.choice(np.array([f"{f.name}-{k:03d}" for k in range(200)], dtype=object), n)


def _choice(values: list, weights: list[float] | None = None) -> Callable:
    """A rule drawing from `values`, optionally weighted."""
    pool = np.array(values, dtype=object)
    p = None if weights is None else np.array(weights) / np.sum(weights)
    return lambda n, rng: rng.choice(pool, n, p=p)


def _uniform(low: float, high: float, digits: int = 2) -> Callable:
    return lambda n, rng: np.round(rng.uniform(low, high, n), digits)


def _years(first: int, last: int) -> Callable:
    return lambda n, rng: rng.integers(first, last + 1, n)


def _dates(n: int, rng: np.random.Generator) -> np.ndarray:
    """ISO dates in 2023–2025, the census years."""
    days = rng.integers(0, 3 * 365, n)
    return (np.datetime64("2023-01-01") + days).astype(str).astype(object)


def _labels(pattern: str, count: int) -> Callable:
    return _choice([pattern.format(k) for k in range(1, count + 1)])


# Condition skews good, as a census of a maintained city finds; the rest follows the
# bureau's typical stock (most inlets are flat cast-iron grates, most lamps now LED, ...).
_RULES: dict[tuple[str, str], Callable] = {
    ("*", "condition"): _choice([1, 2, 3, 4, 5], [0.30, 0.32, 0.22, 0.11, 0.05]),
    ("*", "road_name"): _choice(list(_ROADS)),
    ("*", "courtyard"): _labels("第{:03d}小区", 400),
    ("drains", "grate_type"): _choice(["flat", "vertical", "combined"], [0.7, 0.2, 0.1]),
    ("drains", "depth_m"): _uniform(0.8, 3.0),
    ("drains", "outfall_pipe_mm"): _choice([200, 225, 300, 400]),
    ("drains", "install_year"): _years(1985, 2025),
    ("lamp_posts", "pole_height_m"): _choice([6.0, 8.0, 10.0, 12.0, 15.0]),
    ("lamp_posts", "lamp_type"): _choice(["LED", "HPS", "MH", "CFL"], [0.6, 0.3, 0.07, 0.03]),
    ("lamp_posts", "wattage_w"): _choice([60, 100, 150, 250, 400]),
    ("lamp_posts", "lamp_count"): _choice([1, 2], [0.8, 0.2]),
    ("lamp_posts", "circuit"): _labels("HL-{:04d}", 3000),
    ("lamp_posts", "cabinet"): _labels("XB-{:04d}", 900),
    ("lamp_posts", "install_year"): _years(1995, 2025),
    ("lamp_posts", "owner"): _choice(["市路灯管理处", "区城管局", "开发区管委会"]),
    ("safety_valves", "building"): _labels("{}号楼", 30),
    ("safety_valves", "household"): _labels("{}01", 30),
    ("safety_valves", "status"): _choice(["planned", "installed", "verified"], [0.4, 0.35, 0.25]),
    ("safety_valves", "crew"): _labels("安装{}队", 12),
    ("safety_valves", "model"): _choice(["JZF-1", "JZF-2", "ZBF-15"]),
    ("safety_valves", "photo"): lambda n, rng: np.full(n, None, dtype=object),
    ("gas_mains", "material"): _choice(["grey_cast_iron", "ductile_iron", "steel", "pe"],
                                       [0.15, 0.1, 0.35, 0.4]),
    ("gas_mains", "diameter_mm"): _choice([32, 50, 63, 90, 110, 160, 200]),
    ("gas_mains", "pressure_class"): _choice(["low", "medium_b"], [0.85, 0.15]),
    ("gas_mains", "pressure_mpa"): _choice([0.002, 0.0035, 0.01, 0.2]),
    ("gas_mains", "install_year"): _years(1975, 2024),
    ("gas_mains", "households"): _years(10, 600),
    ("gas_mains", "hazard_assessed"): lambda n, rng: rng.random(n) < 0.2,
    ("gas_mains", "cathodic_protection"): lambda n, rng: rng.random(n) < 0.3,
    ("gas_mains", "hazard_controllable"): _choice([None, True, False], [0.8, 0.1, 0.1]),
    ("gas_mains", "occupied"): lambda n, rng: rng.random(n) < 0.02,
    ("gas_mains", "depth_m"): _uniform(0.6, 1.5),
}


def query_boxes(city: BenchCity, n: int, size_m: float = 500.0
                ) -> list[tuple[float, float, float, float]]:
    """`n` square windows `size_m` across, wholly inside the city, as lon/lat boxes.

    >>> box = query_boxes(bench_city(10, 1), 1)[0]
    >>> int(round((box[3] - box[1]) * 111_000, -1))  # about 500 m of latitude
    500
    """
    rng = np.random.default_rng([city.seed, 1])
    centres = scatter_points(city.outline_m.buffer(-size_m / 2), n, rng)
    corners = centres[:, None, :] + size_m / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    lonlat = to_lonlat(corners.reshape(-1, 2)).reshape(n, 4, 2)
    # A metric square is not square in lon/lat: its window is the box round its corners.
    low, high = lonlat.min(axis=1), lonlat.max(axis=1)
    return [(r[0], r[1], r[2], r[3]) for r in np.hstack([low, high]).tolist()]


def probe_points(city: BenchCity, n: int) -> np.ndarray:
    """`n` points inside the city to search from."""
    rng = np.random.default_rng([city.seed, 2])
    return shapely.points(to_lonlat(scatter_points(city.outline_m, n, rng)))
