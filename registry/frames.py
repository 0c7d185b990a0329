"""Asset frames: the GeoDataFrame shape every backend returns, with one dtype per field type.

Both backends pass their raw columns through `typed`, so a query answers the same frame —
columns, order and dtypes — whichever storage holds the registry.

>>> import registry.layers
>>> layer = registry.layers.load_layers()["drains"]
>>> asset_columns(layer)[:3]
['uuid', 'gbt_code', 'source_id']
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from geopandas.array import from_shapely
from pandas.api.internals import create_dataframe_from_blocks

from registry.errors import InvalidInput
from registry.layers import SOURCE_ATTRIBUTES, SYSTEM_COLUMNS, Layer

_DTYPES = {"text": "object", "date": "object", "int": "Int64", "float": "float64",
           "bool": "boolean"}
#: Columns that are not layer fields: the system's and those a query adds.
_OTHER_DTYPES = {"version": "Int64", "_fid": "Int64", "distance_m": "float64"}
#: Columns a query adds after the geometry: the distance of nearest and within-distance
#: queries.
_AFTER_GEOMETRY = ("distance_m",)


def asset_columns(layer: Layer) -> list[str]:
    """Attribute columns of an asset frame, in order (geometry comes last): the system
    columns, the layer's fields, then the record's source attributes."""
    return [*SYSTEM_COLUMNS, *layer.field_names, SOURCE_ATTRIBUTES]


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


def typed(layer: Layer, names: Sequence[str], values: Sequence[Sequence[Any]],
          geometry: np.ndarray, srid: int) -> gpd.GeoDataFrame:
    """An asset frame from raw columns (``values[i]`` holds column ``names[i]``, e.g. one
    tuple of ``zip(*rows)``): every field in its dtype, then the geometry, then the
    ``distance_m`` of a nearest or within-distance query.

    The frame is assembled from one block per dtype, as pandas would store it, without
    inference or alignment: through the DataFrame and GeoDataFrame constructors the same
    frame costs about 2 ms whatever its length, more than a small query takes to find its
    rows.

    >>> import registry.layers, shapely
    >>> layer = registry.layers.load_layers()["drains"]
    >>> frame = typed(layer, ["uuid", "condition", "depth_m"], [("a1", "a2"), (4, None),
    ...               (1.5, None)], shapely.points([(114.5, 38.0), (114.6, 38.1)]), 4490)
    >>> frame.dtypes.astype(str).tolist(), frame.crs.to_epsg()
    (['object', 'Int64', 'float64', 'geometry'], 4490)
    """
    layout = _layout(_field_types(layer), tuple(names))
    n = len(geometry)
    blocks: list[tuple[Any, np.ndarray]] = []
    if len(layout.objects):
        blocks.append((_objects([values[i] for i in layout.objects], n),
                       layout.at[layout.objects]))
    if len(layout.floats):
        blocks.append((np.array([values[i] for i in layout.floats], dtype=np.float64)
                       .reshape(len(layout.floats), n), layout.at[layout.floats]))
    blocks += [(_integers(values[i], n), layout.at[i:i + 1]) for i in layout.integers]
    blocks += [(pd.array(list(values[i]), dtype="boolean"), layout.at[i:i + 1])
               for i in layout.booleans]
    blocks.append((from_shapely(np.asarray(geometry, dtype=object), crs=_crs(srid)),
                   np.array([layout.geometry_at])))
    frame = create_dataframe_from_blocks(blocks, index=pd.RangeIndex(n), columns=layout.columns)
    # As geopandas wraps the result of a pandas operation that kept the geometry: no copy
    # and no second pass over the geometry column, as GeoDataFrame(frame) would make.
    geo = gpd.GeoDataFrame._from_mgr(frame._mgr, frame._mgr.axes)
    geo._geometry_column_name = "geometry"
    return geo


@dataclass(frozen=True)
class _Layout:
    """Where each column of a frame with these names goes, grouped by dtype (positions in
    the names)."""

    columns: pd.Index
    #: The frame position of each name.
    at: np.ndarray
    geometry_at: int
    objects: np.ndarray
    floats: np.ndarray
    integers: tuple[int, ...]
    booleans: tuple[int, ...]


def _field_types(layer: Layer) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.type) for f in layer.fields)


@lru_cache(maxsize=256)
def _layout(field_types: tuple[tuple[str, str], ...], names: tuple[str, ...]) -> _Layout:
    types = dict(field_types)
    dtypes = [_OTHER_DTYPES.get(n, "object") if n not in types else _DTYPES[types[n]]
              for n in names]
    order = [n for n in names if n not in _AFTER_GEOMETRY] + ["geometry"] + \
        [n for n in names if n in _AFTER_GEOMETRY]
    kinds = {kind: [i for i, d in enumerate(dtypes) if d == kind]
             for kind in ("object", "float64", "Int64", "boolean")}
    return _Layout(pd.Index(order), np.array([order.index(n) for n in names], dtype=np.intp),
                   order.index("geometry"), np.array(kinds["object"], dtype=np.intp),
                   np.array(kinds["float64"], dtype=np.intp), tuple(kinds["Int64"]),
                   tuple(kinds["boolean"]))


def _objects(columns: list[Sequence[Any]], n: int) -> np.ndarray:
    """Text-like columns as one 2-D object block, values as they are (no sequence is
    unpacked: fromiter takes each value whole)."""
    block = np.empty((len(columns), n), dtype=object)
    for row, column in enumerate(columns):
        block[row] = np.fromiter(column, dtype=object, count=n)
    return block


def _integers(column: Sequence[Any], n: int) -> pd.arrays.IntegerArray:
    """Integers (None for missing) straight through numpy, several times faster than
    pandas' element-wise coercion."""
    if None not in column:
        return pd.arrays.IntegerArray(np.fromiter(column, dtype=np.int64, count=n),
                                      np.zeros(n, dtype=bool))
    raw = np.fromiter(column, dtype=object, count=n)
    missing = np.equal(raw, None)
    return pd.arrays.IntegerArray(np.where(missing, 0, raw).astype(np.int64), missing)


@lru_cache(maxsize=8)
def _crs(srid: int) -> pyproj.CRS:
    return pyproj.CRS.from_epsg(srid)
