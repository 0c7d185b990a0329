"""Where a report lies: the responsibility grid containing it and the asset it is about.

A report outside every grid belongs to nobody and is refused. A report of a category tied to
a layer links to that layer's nearest asset within the tolerance (20 m by default), measured
in metres by the registry; farther away it stays unlinked (a new, unsurveyed asset, say).

>>> import tempfile, geopandas as gpd
>>> from registry import Change, create
>>> reg = create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> _ = reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
...            geometry=[shapely.box(114.4, 38.0, 114.6, 38.1)], crs=4490), Change(who="demo"))
>>> grid_at(reg, shapely.Point(114.5, 38.05))["grid_code"]
'130102001'
>>> nearest_asset(reg, "drains", shapely.Point(114.5, 38.05), 20.0) is None
True
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import shapely

from registry.api import Registry
from registry.errors import InvalidInput
from registry.query import Query

_GRID_FIELDS = ("grid_code", "name", "street_office", "district", "departments")


def grid_at(reg: Registry, point: shapely.Point) -> dict[str, Any]:
    """The grid containing `point` (code, name, street office, district, departments)."""
    found = reg.query(Query(reg.layers.grid_layer.name, geometry=point))
    if found.empty:
        raise InvalidInput(f"({point.x:.6f}, {point.y:.6f}) lies outside every responsibility "
                           "grid (责任网格): no department is responsible there")
    row = found.sort_values("grid_code").iloc[0]  # on a shared border, the lower code
    return {key: (str(row[key]) if pd.notna(row.get(key)) else None) for key in _GRID_FIELDS}


def nearest_asset(reg: Registry, layer: str, point: shapely.Point,
                  tolerance_m: float) -> tuple[str, float] | None:
    """The UUID of the asset of `layer` nearest `point` and its distance in metres, if one
    lies within `tolerance_m`."""
    near = reg.query(Query(layer, geometry=point, distance_m=tolerance_m))
    if near.empty:
        return None
    best = near.sort_values(["distance_m", "uuid"]).iloc[0]
    return str(best["uuid"]), round(float(best["distance_m"]), 1)


def check_location(lon: Any, lat: Any) -> shapely.Point:
    """A reported position as a point; InvalidInput unless it is a real lon/lat.

    >>> check_location(114.5, 38.04).x
    114.5
    """
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidInput(f"location ({lon}, {lat}) is not two numbers (lon, lat)") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise InvalidInput(f"location ({x}, {y}) is not a lon/lat position")
    return shapely.Point(x, y)
