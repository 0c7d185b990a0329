"""Asset frames: the GeoDataFrame shape every backend returns, with one dtype per field type.

Both backends pass their raw rows through `typed`, so a query answers the same frame —
columns, order and dtypes — whichever storage holds the registry.

>>> import registry.layers
>>> layer = registry.layers.load_layers()["drains"]
>>> asset_columns(layer)[:3]
['uuid', 'gbt_code', 'source_id']
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import geopandas as gpd
import pyproj
from geopandas.array import from_shapely
import numpy as np
import pandas as pd

from registry.errors import InvalidInput
from registry.layers import SYSTEM_COLUMNS, Layer

_DTYPES = {"text": object, "date": object, "int": "Int64", "float": "float64",
           "bool": "boolean"}
_SYSTEM_DTYPES = {"version": "Int64"}


def asset_columns(layer: Layer) -> list[str]:
    """Attribute columns of an asset frame, in order (geometry comes last)."""
    return list(SYSTEM_COLUMNS) + layer.field_names


def selected_columns(layer: Layer, properties: Sequence[str] | None) -> list[str]:
    """The attribute columns a query returns: all, or ``uuid`` plus the properties asked for.

    >>> import registry.layers
    >>> selected_columns(registry.layers.load_layers()["drains"], ["condition", "state"])
    ['uuid', 'state', 'condition']
    """
    every = asset_columns(layer)
    if properties is None:
        return every
    unknown = sorted(set(properties) - set(every))
    if unknown:
        raise InvalidInput(f"layer {layer.name} has no property {unknown[0]!r}; properties: "
                           f"{', '.join(every)}")
    return [c for c in every if c == "uuid" or c in properties]


def typed(layer: Layer, data: dict[str, Sequence], geometry: np.ndarray, srid: int,
          extra: Sequence[str] = (), columns: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """An asset frame from column lists: every field in its dtype, geometry last.

    Built column by column without inference: a query of a few hundred rows must not spend
    more on building its frame than on finding the rows.
    """
    # One index object shared by every column: pandas then neither unions the columns'
    # indexes nor reindexes each column onto the result's.
    index = pd.RangeIndex(len(geometry))
    out: dict[str, object] = {}
    for name in list(columns or asset_columns(layer)) + list(extra):
        values = data.get(name)
        if values is None:
            values = [None] * len(geometry)
        out[name] = pd.Series(pd.array(values, dtype=_dtype(layer, name)), index=index,
                              copy=False) if _dtype(layer, name) is not object \
            else pd.Series(values, dtype=object, index=index, copy=False)
    out["geometry"] = from_shapely(np.asarray(geometry, dtype=object), crs=_crs(srid))
    return gpd.GeoDataFrame(out, geometry="geometry", index=index, copy=False)


@lru_cache(maxsize=8)
def _crs(srid: int) -> pyproj.CRS:
    return pyproj.CRS.from_epsg(srid)


def _dtype(layer: Layer, name: str) -> object:
    if name in _SYSTEM_DTYPES:
        return _SYSTEM_DTYPES[name]
    if name in layer.field_names:
        return _DTYPES[layer.field(name).type]
    return "Int64" if name == "_fid" else (float if name == "distance_m" else object)


def empty(layer: Layer, srid: int) -> gpd.GeoDataFrame:
    """An asset frame with no rows."""
    return typed(layer, {}, np.array([], dtype=object), srid)
