"""Demo bridge survey (桥梁): river bridges, footbridges, interchanges and underpasses.

River bridges stand where roads cross 民心河 and 太平河; footbridges and underpasses cross
main roads away from junctions; elevated interchanges sit on a few junctions. Outlines
are polygons, except a few surveyed as centre lines, and one bow-tie polygon.

>>> from importers.demo_city import demo_city
>>> survey = bridge_survey(demo_city(), 1.0, np.random.default_rng(0))
>>> 50 <= len(survey.frame) <= 70, survey.expect["rejected"], survey.expect["warned"]
(True, 0, 1)
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.demo_city import CITY_CRS, DemoCity, road_directions
from importers.demo_schema import Survey, expect, header, id_header, scaled, spell

#: Bridge counts at scale 1 (river bridges: at most one per road crossing a river).
RIVER_BRIDGES, FOOTBRIDGES, INTERCHANGES, UNDERPASSES, CENTRE_LINES = 22, 24, 6, 8, 4
#: CJJ 99 classes with the share of bridges in each and the BCI band they span.
BCI_CLASSES = {"A": (0.30, 90, 99), "B": (0.35, 80, 90), "C": (0.22, 66, 80),
               "D": (0.09, 50, 66), "E": (0.04, 30, 50)}
#: Per kind: structure forms with weights, main span range (m), build years.
KINDS = {
    "river": ({"slab": 0.4, "beam": 0.4, "arch": 0.2}, (10, 40), (1965, 2016)),
    "footbridge": ({"beam": 0.7, "truss": 0.3}, None, (1985, 2019)),
    "interchange": ({"beam": 0.8, "rigid_frame": 0.2}, (25, 45), (1995, 2021)),
    "underpass": ({"box": 1.0}, None, (1990, 2016)),
}
#: Footbridges and underpasses: name suffix, length beyond the kerbs (m), deck width (m).
CROSSINGS = {"footbridge": ("口天桥", 8.0, 5.0), "underpass": ("口地下通道", 12.0, 7.0)}
GPKG_LAYER = "桥梁"


def bridge_survey(city: DemoCity, scale: float, rng: np.random.Generator) -> Survey:
    """桥梁 survey rows in EPSG:4547: polygons, a few centre lines and one bow-tie."""
    parts = [_river_bridges(city, scale, rng), _interchanges(city, scale, rng),
             *_road_crossings(city, scale, rng)]
    sites = pd.concat(parts, ignore_index=True)
    outline = _rectangles(sites)
    centre = rng.choice(np.flatnonzero(sites["kind"] != "interchange"),
                        scaled(CENTRE_LINES, scale), replace=False)
    outline[centre] = _centre_lines(sites.iloc[centre])
    bow_tie = rng.choice(np.setdiff1d(np.arange(len(sites)), centre))
    outline[bow_tie] = _bow_tie(outline[bow_tie])
    frame = gpd.GeoDataFrame(_attributes(sites, rng), geometry=outline, crs=CITY_CRS)
    ids = frame[id_header("bridges")]
    traps = ["GeoPackage in EPSG:4547 with a second layer 河道 (rivers): "
             f"import the layer {GPKG_LAYER}",
             f"{ids[bow_tie]} is a self-intersecting (bow-tie) polygon: repaired "
             "(make_valid) with a warning",
             f"centre lines, not outlines: {', '.join(ids[np.sort(centre)])}"]
    return Survey("bridges", "bridges.gpkg", frame, traps, expect(len(frame), warned=1),
                  {"gpkg_layer": GPKG_LAYER})


def _river_bridges(city: DemoCity, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    roads, rivers = city.roads, city.rivers
    road, river = (a.ravel() for a in np.meshgrid(np.arange(len(roads)), np.arange(len(rivers))))
    at = shapely.intersection(roads.geometry.to_numpy()[road], rivers.geometry.to_numpy()[river])
    hit = shapely.get_type_id(at) == shapely.GeometryType.POINT
    sites = _sites(roads, road[hit], at[hit], "river")
    sites["name"] = sites["road"] + rivers["name"].to_numpy()[river[hit]] + "桥"
    water = rivers["half_width_m"].to_numpy()[river[hit]]
    sites["length"] = 2 * water + rng.uniform(10, 40, len(sites))
    keep = rng.permutation(len(sites))[:scaled(RIVER_BRIDGES, scale)]
    return sites.iloc[np.sort(keep)]


def _interchanges(city: DemoCity, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    roads = city.roads
    ew, ns = np.flatnonzero(roads["direction"] == "EW"), np.flatnonzero(roads["direction"] == "NS")
    road, cross = (a.ravel() for a in np.meshgrid(ew, ns))
    at = shapely.intersection(roads.geometry.to_numpy()[road], roads.geometry.to_numpy()[cross])
    hit = np.flatnonzero(shapely.get_type_id(at) == shapely.GeometryType.POINT)
    hit = rng.permutation(hit)[:scaled(INTERCHANGES, scale)]
    sites = _sites(roads, road[hit], at[hit], "interchange")
    sites["name"] = sites["road"] + roads["name"].to_numpy()[cross[hit]] + "立交桥"
    sites["length"] = rng.uniform(300, 700, len(sites))
    return sites


def _road_crossings(city: DemoCity, scale: float,
                    rng: np.random.Generator) -> list[pd.DataFrame]:
    """Footbridges and underpasses: across a road, well away from junctions and rivers."""
    roads = city.roads
    counts = [scaled(FOOTBRIDGES, scale), scaled(UNDERPASSES, scale)]
    road = rng.choice(len(roads), 20 * sum(counts), p=roads.length / roads.length.sum())
    at = shapely.line_interpolate_point(roads.geometry.to_numpy()[road], rng.random(road.size),
                                        normalized=True)
    others = shapely.distance(at[:, None], roads.geometry.to_numpy()[None, :])
    others[np.arange(road.size), road] = np.inf
    clear = (others.min(axis=1) > 200) & (shapely.distance(at, city.rivers.union_all()) > 150)
    chosen = np.flatnonzero(clear)[:sum(counts)]
    cross = roads["name"].to_numpy()[others[chosen].argmin(axis=1)]
    parts = np.split(np.arange(chosen.size), [counts[0]])
    return [_crossing(roads, road[chosen[part]], at[chosen[part]], cross[part], kind)
            for kind, part in zip(("footbridge", "underpass"), parts)]


def _crossing(roads: gpd.GeoDataFrame, road: np.ndarray, at: np.ndarray, cross: np.ndarray,
              kind: str) -> pd.DataFrame:
    suffix, beyond_kerbs, width = CROSSINGS[kind]
    sites = _sites(roads, road, at, kind, across=True)
    sites["name"] = sites["road"] + cross + suffix
    sites["length"] = 2 * sites["half_width_m"] + beyond_kerbs
    sites["width"] = width
    return sites


def _sites(roads: gpd.GeoDataFrame, road: np.ndarray, at: np.ndarray, kind: str,
           across: bool = False) -> pd.DataFrame:
    """Bridge sites on `road` at points `at`, pointing along the road (or `across` it), with
    a deck as wide as the road."""
    direction = road_directions(roads.geometry.to_numpy()[road], at)
    if across:
        direction = direction[:, ::-1] * [-1, 1]
    xy = shapely.get_coordinates(at)
    return pd.DataFrame({"kind": kind, "road": roads["name"].to_numpy()[road],
                         "half_width_m": roads["half_width_m"].to_numpy()[road],
                         "width": 2 * roads["half_width_m"].to_numpy()[road] + 4,
                         "x": xy[:, 0], "y": xy[:, 1], "dx": direction[:, 0], "dy": direction[:, 1]})


def _rectangles(sites: pd.DataFrame) -> np.ndarray:
    """Deck outlines: `length` along the site's direction, `width` across it."""
    width = sites["width"].to_numpy()
    along = sites[["dx", "dy"]].to_numpy() * (sites["length"].to_numpy() / 2)[:, None]
    side = sites[["dy", "dx"]].to_numpy() * [-1, 1] * (width / 2)[:, None]
    centre = sites[["x", "y"]].to_numpy()
    corners = [centre - along - side, centre + along - side, centre + along + side,
               centre - along + side, centre - along - side]
    return shapely.polygons(np.stack(corners, axis=1))


def _centre_lines(sites: pd.DataFrame) -> np.ndarray:
    along = sites[["dx", "dy"]].to_numpy() * (sites["length"].to_numpy() / 2)[:, None]
    centre = sites[["x", "y"]].to_numpy()
    return shapely.linestrings(np.stack([centre - along, centre + along], axis=1))


def _bow_tie(polygon: shapely.Polygon) -> shapely.Polygon:
    """The outline with two corners swapped: the edges cross, as a mis-digitised deck does."""
    ring = shapely.get_coordinates(polygon.exterior)
    return shapely.Polygon(ring[[0, 1, 3, 2, 0]])


def _attributes(sites: pd.DataFrame, rng: np.random.Generator) -> dict[str, object]:
    n = len(sites)
    structure, span, year = np.empty(n, dtype=object), np.empty(n), np.empty(n, dtype=int)
    for kind, (forms, spans, years) in KINDS.items():
        at = np.flatnonzero(sites["kind"] == kind)
        structure[at] = rng.choice(list(forms), at.size, p=list(forms.values()))
        length = sites["length"].to_numpy()[at]
        span[at] = np.minimum(rng.uniform(*spans, at.size), length) if spans else length * 0.9
        year[at] = rng.integers(*years, at.size)
    inspected = np.datetime64("2022-01-01") + rng.integers(0, 1277, n).astype("timedelta64[D]")
    return {
        id_header("bridges"): [f"QL-{i:03d}" for i in range(1, n + 1)],
        header("bridges", "name"): sites["name"].to_numpy(),
        header("bridges", "bridge_type"): spell("bridges", "bridge_type", sites["kind"].to_numpy(),
                                                rng, variants=0.15),
        header("bridges", "structure_type"): spell("bridges", "structure_type", structure, rng,
                                                   variants=0.4),
        header("bridges", "span_m"): span.round(1),
        header("bridges", "length_m"): sites["length"].to_numpy().round(1),
        header("bridges", "bci"): _bci(n, rng),
        header("bridges", "build_year"): year,
        header("bridges", "last_inspected"): inspected.astype(str),
        header("bridges", "road_name"): sites["road"].to_numpy(),
    }


def _bci(n: int, rng: np.random.Generator) -> np.ndarray:
    """BCI scores spread over CJJ 99 classes A–E, with at least one D and one E bridge."""
    names = list(BCI_CLASSES)
    cls = rng.choice(len(names), n, p=[share for share, _, _ in BCI_CLASSES.values()])
    cls[rng.choice(n, 2, replace=False)] = [names.index("D"), names.index("E")]
    low, high = (np.array([band[i] for band in BCI_CLASSES.values()])[cls] for i in (1, 2))
    return rng.uniform(low, high).round(1)
