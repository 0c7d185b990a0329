"""Asset frames: the GeoDataFrame shape every backend returns, with one dtype per field type.

Both backends pass their raw rows through `typed`, so a query answers the same frame —
columns, order and dtypes — whichever storage holds the registry.

>>> import registry.layers
>>> layer = registry.layers.load_layers()["drains"]
>>> asset_columns(layer)[:3]
['uuid', 'gbt_code', 'source_id']
"""
from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from registry.layers import SYSTEM_COLUMNS, Layer

_DTYPES = {"text": object, "date": object, "int": "Int64", "float": "float64",
           "bool": "boolean"}
_SYSTEM_DTYPES = {"version": "Int64"}


def asset_columns(layer: Layer) -> list[str]:
    """Attribute columns of an asset frame, in order (geometry comes last)."""
    return list(SYSTEM_COLUMNS) + layer.field_names


def typed(layer: Layer, data: dict[str, Sequence], geometry: np.ndarray, srid: int,
          extra: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """An asset frame from column lists: every field in its dtype, geometry last."""
    columns = {}
    for name in asset_columns(layer) + list(extra):
        values = data.get(name, [None] * len(geometry))
        columns[name] = pd.array(values, dtype=_dtype(layer, name)) if len(values) else \
            pd.Series([], dtype=_dtype(layer, name))
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometry, crs=f"EPSG:{srid}"),
                            crs=f"EPSG:{srid}")


def _dtype(layer: Layer, name: str) -> object:
    if name in _SYSTEM_DTYPES:
        return _SYSTEM_DTYPES[name]
    if name in layer.field_names:
        return _DTYPES[layer.field(name).type]
    return "Int64" if name == "_fid" else (float if name == "distance_m" else object)


def empty(layer: Layer, srid: int) -> gpd.GeoDataFrame:
    """An asset frame with no rows."""
    return typed(layer, {}, np.array([], dtype=object), srid)
