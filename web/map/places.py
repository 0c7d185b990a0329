"""Names to orient by, from the registry's own data: roads (the ``road_name`` the surveys
carry on drains and lamp posts) and courtyards (小区, from the gas mains and valves), each
labelled at the middle of its assets. No base map is needed to know which street one is on.

``GET /api/places`` → ``[{"kind": "road", "name": "中山路", "lon", "lat", "count"}, ...]``;
worked out once per registry change (the answer is cached against the change stamp).

>>> import geopandas as gpd, shapely
>>> frame = gpd.GeoDataFrame({"road_name": ["中山路", "中山路", None]},
...     geometry=shapely.points([114.50, 114.52, 114.6], [38.0, 38.0, 38.1]), crs=4490)
>>> label_points(frame, "road_name", "road")
[{'kind': 'road', 'name': '中山路', 'lon': 114.51, 'lat': 38.0, 'count': 2}]
"""
from __future__ import annotations

import threading
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask import Response, jsonify

from registry import Query, Registry
from web.app import current_registry

#: Which field names a place, and what kind of place it is.
PLACE_FIELDS = {"road_name": "road", "courtyard": "courtyard"}
_cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}
_lock = threading.Lock()


def places() -> Response:
    """``GET /api/places``: road and courtyard labels."""
    return jsonify(place_labels(current_registry()))


def place_labels(registry: Registry) -> list[dict[str, Any]]:
    """Every road and courtyard of the registry with its label point, cached per change."""
    stamp = registry.change_stamp()
    with _lock:
        cached = _cache.get(registry.url)
        if cached and cached[0] == stamp:
            return cached[1]
    found: list[dict[str, Any]] = []
    for field, kind in PLACE_FIELDS.items():
        frames = [registry.query(Query(layer.name, properties=[field]))
                  for layer in registry.layers.values() if field in layer.field_names]
        if frames:
            found += label_points(pd.concat(frames, ignore_index=True), field, kind)
    with _lock:
        _cache[registry.url] = (stamp, found)
    return found


def label_points(frame: gpd.GeoDataFrame, field: str, kind: str) -> list[dict[str, Any]]:
    """Per value of `field`: the median position of its assets (robust to a stray one)."""
    named = frame[frame[field].notna() & (frame[field].astype(str).str.strip() != "")]
    if named.empty:
        return []
    where = shapely.get_coordinates(shapely.point_on_surface(np.asarray(named.geometry.array)))
    table = pd.DataFrame({"name": named[field].astype(str).to_numpy(), "lon": where[:, 0],
                          "lat": where[:, 1]})
    grouped = table.groupby("name", sort=True).agg(lon=("lon", "median"), lat=("lat", "median"),
                                                   assets=("lon", "size"))
    return [{"kind": kind, "name": name, "lon": round(float(lon), 7), "lat": round(float(lat), 7),
             "count": int(assets)}
            for name, lon, lat, assets in zip(grouped.index, grouped["lon"], grouped["lat"],
                                              grouped["assets"])]
