"""Bulk loading asset frames into PostGIS with COPY, geometry sent as hex EWKB.

The frame becomes an Arrow table column by column (points encoded on whole numpy arrays),
Arrow's C++ writer turns it into CSV — quoting, escaping and number formatting included —
and the CSV goes to COPY in large chunks, sent by a writer thread while the next chunk is
written. A per-row ``write_row`` spends more in Python than the server spends storing the
row. COPY is the fastest way into PostgreSQL short of a file on the server, and it keeps
values out of SQL text. In COPY's CSV an unquoted empty field is NULL and ``""`` an empty
string, as Arrow writes them.

>>> import shapely
>>> ewkb_hex([shapely.Point(114.5, 38.0)], 4490)[0].as_py()[:18]
'01010000208A110000'
>>> import pandas as pd
>>> table = arrow_columns({"name": pd.Series(["a,b", "", None]), "n": pd.Series([1.5, 2, None])})
>>> bytes(csv_rows(table))
b'"a,b",1.5\\n"",2\\n,\\n'
"""
from __future__ import annotations

from typing import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

#: A little-endian 2-D point in extended WKB: order, type with the SRID flag, srid, x, y.
_EWKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<i4"), ("x", "<f8"),
                        ("y", "<f8")])
_SRID_FLAG = 0x20000000
#: Rows written and sent at a time: large enough to amortise the calls, small enough that
#: the server starts early and one chunk stays a few megabytes.
CHUNK_ROWS = 50_000
_CSV = pa_csv.WriteOptions(include_header=False)


def ewkb_hex(geoms: Sequence | np.ndarray, srid: int) -> pa.Array:
    """Hex EWKB for each geometry (None stays null), as PostGIS reads it in COPY text."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all() and not shapely.is_empty(geoms).any():
        return _points_hex(geoms, srid)
    return pa.array(shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True,
                                   output_dimension=2), type=pa.string(), from_pandas=True)


def _points_hex(points: np.ndarray, srid: int) -> pa.Array:
    """Points as one hex text laid end to end, cut into a string array by its offsets."""
    rows = np.empty(len(points), dtype=_EWKB_POINT)
    rows["order"], rows["type"], rows["srid"] = 1, 1 | _SRID_FLAG, srid
    xy = shapely.get_coordinates(points)
    rows["x"], rows["y"] = xy[:, 0], xy[:, 1]
    text = rows.tobytes().hex().upper().encode("ascii")
    offsets = np.arange(0, len(text) + 1, 2 * _EWKB_POINT.itemsize, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(len(points), pa.py_buffer(offsets),
                                            pa.py_buffer(text))


def arrow_column(column: pd.Series) -> pa.Array:
    """A frame column as Arrow, missing values null; values of mixed types as their text."""
    try:
        return pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = column.astype(object).map(str, na_action="ignore")
        return pa.array(text, type=pa.string(), from_pandas=True)


def arrow_columns(columns: Mapping[str, pd.Series | pa.Array]) -> pa.Table:
    """An Arrow table of these columns (series converted, arrays as they are)."""
    return pa.table({name: c if isinstance(c, pa.Array) else arrow_column(c)
                     for name, c in columns.items()})


def csv_rows(table: pa.Table) -> pa.Buffer:
    """The table as CSV rows, as COPY ... (FORMAT csv) reads them."""
    out = pa.BufferOutputStream()
    pa_csv.write_csv(table, out, _CSV)
    return out.getvalue()


def _table(frame: gpd.GeoDataFrame, columns: Sequence[str], srid: int,
           fids: Sequence[int] | None) -> pa.Table:
    """What COPY loads: the fids if given, the geometry, then `columns` (absent ones null)."""
    loaded: dict[str, pd.Series | pa.Array] = {}
    if fids is not None:
        loaded["fid"] = pa.array(np.asarray(fids, dtype=np.int64))
    loaded["geom"] = ewkb_hex(frame.geometry.to_numpy(), srid)
    for name in columns:
        loaded[name] = frame[name] if name in frame else pa.nulls(len(frame))
    return arrow_columns(loaded)


def spatial_order(geoms: np.ndarray) -> np.ndarray:
    """Row order along a Hilbert curve over the geometries' extent, missing and empty last.

    >>> spatial_order(np.array([shapely.Point(9, 9), None, shapely.Point(0, 0)])).tolist()
    [2, 0, 1]
    """
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keys = np.full(len(geoms), np.iinfo(np.int64).max, dtype=np.int64)
    if present.any():
        keys[present] = gpd.GeoSeries(geoms[present]).hilbert_distance().to_numpy()
    return np.argsort(keys, kind="stable")


def copy_assets(conn: psycopg.Connection, table: str, frame: gpd.GeoDataFrame,
                columns: Sequence[str], srid: int, fids: Sequence[int] | None = None) -> None:
    """COPY the frame's geometry and `columns` into `table`, with these fids if given.

    A column the frame lacks is loaded as NULL. Rows are stored in `spatial_order`, so the
    assets of one map window share a few heap pages instead of one page each: a box or tile
    query then reads tens of pages, not thousands (the ids keep the frame's order).
    """
    rows = _table(frame, columns, srid, fids)
    rows = rows.take(spatial_order(frame.geometry.to_numpy()))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, rows.column_names)))
    cursor = conn.cursor()
    # A writer thread sends each chunk while the next is written: the server parses one
    # chunk while Arrow writes the next.
    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        for start in range(0, rows.num_rows, CHUNK_ROWS):
            copy.write(memoryview(csv_rows(rows.slice(start, CHUNK_ROWS))))
