"""Bulk loading asset frames into PostGIS with COPY, geometry sent as hex EWKB.

Points — most of a city's assets — are encoded on whole numpy arrays; other geometries go
through shapely's WKB writer. COPY is the fastest way into PostgreSQL short of a file on the
server, and it keeps values out of SQL text.

>>> import shapely
>>> ewkb_hex([shapely.Point(114.5, 38.0)], 4490)[0][:18]
'01010000208A110000'
"""
from __future__ import annotations

from typing import Iterable, Sequence

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from psycopg import sql

#: A little-endian 2-D point in extended WKB: order, type with the SRID flag, srid, x, y.
_EWKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<i4"), ("x", "<f8"),
                        ("y", "<f8")])
_SRID_FLAG = 0x20000000


def ewkb_hex(geoms: Sequence | np.ndarray, srid: int) -> list[str | None]:
    """Hex EWKB for each geometry (None stays None), as PostGIS reads it in COPY text."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all() and not shapely.is_empty(geoms).any():
        return _points_hex(geoms, srid)
    return shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True,
                          output_dimension=2).tolist()


def _points_hex(points: np.ndarray, srid: int) -> list[str | None]:
    rows = np.empty(len(points), dtype=_EWKB_POINT)
    rows["order"], rows["type"], rows["srid"] = 1, 1 | _SRID_FLAG, srid
    xy = shapely.get_coordinates(points)
    rows["x"], rows["y"] = xy[:, 0], xy[:, 1]
    text, size = rows.tobytes().hex().upper(), 2 * _EWKB_POINT.itemsize
    return [text[i:i + size] for i in range(0, len(text), size)]


def column_values(frame: gpd.GeoDataFrame, columns: Iterable[str]) -> list[list]:
    """Each column as a list of plain Python values, None for missing (absent columns too)."""
    out = []
    for name in columns:
        if name not in frame:
            out.append([None] * len(frame))
        else:
            column = frame[name]
            out.append(column.astype(object).where(column.notna(), None).tolist())
    return out


def copy_assets(conn: psycopg.Connection, table: str, frame: gpd.GeoDataFrame,
                columns: Sequence[str], srid: int, fids: Sequence[int] | None = None) -> None:
    """COPY the frame's geometry and `columns` into `table`, with these fids if given."""
    names = (["fid"] if fids is not None else []) + ["geom", *columns]
    values = column_values(frame, columns)
    rows = zip(*([fids] if fids is not None else []), ewkb_hex(frame.geometry.to_numpy(), srid),
               *values)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)))
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
