"""The peers: what a query costs without the registry, to read each figure against.

`DirectGpkg` is the query a developer would hand-write on the same GeoPackage file with
`sqlite3` — the R*Tree join, the same columns, GPKG header stripped, WKB decoded by shapely.
The in-memory floors (shapely `STRtree`, `rtree`) are built on the generated arrays.
"""
from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np
import rtree
import shapely

#: Envelope bytes after the 8-byte GPKG header, by the envelope indicator of the flags byte.
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

Box = tuple[float, float, float, float]


class DirectGpkg:
    """Hand-written SQL over one layer of a registry file.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.gpkg"
    >>> DirectGpkg(path, "drains", ["uuid"]).box_sql.split(" FROM ")[0]
    'SELECT t.fid, t.geom, t."uuid"'
    """

    def __init__(self, path: Path, layer: str, columns: Sequence[str]) -> None:
        self.conn = sqlite3.connect(path)
        names = ", ".join(["t.fid", "t.geom"] + [f't."{c}"' for c in columns])
        self.box_sql = (f'SELECT {names} FROM "{layer}" t JOIN "rtree_{layer}_geom" r '
                        "ON r.id = t.fid WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? "
                        "AND r.maxy >= ? AND t.retired_at IS NULL")
        self.grid_sql = (f'SELECT {names} FROM "{layer}" t '
                         "WHERE t.grid_code = ? AND t.retired_at IS NULL")
        snapshot = ", ".join(["v.fid", "v.geom"] + [f"json_extract(v.attributes, '$.\"{c}\"')"
                                                    for c in columns])
        # Rows unchanged since the moment, through the R*Tree, and the versions valid then.
        self.as_of_sql = (self.box_sql + " AND t.updated_at <= ? UNION ALL SELECT "
                          f"{snapshot} FROM asset_versions v WHERE v.layer = '{layer}' "
                          "AND v.valid_from <= ? AND v.valid_to > ?")

    def box(self, box: Box, where: str = "") -> tuple[list[tuple], np.ndarray]:
        """Rows inside `box` (and meeting the SQL condition `where`) and their geometries: the
        R*Tree window, then — since it holds float32 boxes rounded outwards — an exact test on
        the decoded points."""
        minx, miny, maxx, maxy = box
        sql = self.box_sql + (f" AND {where}" if where else "")
        return _inside(self.conn.execute(sql, (maxx, minx, maxy, miny)).fetchall(), box)

    def as_of(self, box: Box, moment: str) -> tuple[list[tuple], np.ndarray]:
        """Rows inside `box` as they stood at `moment` (ISO text, as the registry stores it)."""
        minx, miny, maxx, maxy = box
        params = (maxx, minx, maxy, miny, moment, moment, moment)
        return _inside(self.conn.execute(self.as_of_sql, params).fetchall(), box)

    def within(self, polygon: shapely.Geometry) -> tuple[list[tuple], np.ndarray]:
        """Rows inside `polygon`: the R*Tree window on its bounds, then an exact test."""
        rows, geoms = self.box(polygon.bounds)
        inside = shapely.within(geoms, polygon)
        return list(itertools.compress(rows, inside)), geoms[inside]

    def grid(self, code: str) -> tuple[list[tuple], np.ndarray]:
        """Rows assigned to one grid, through the grid_code index."""
        rows = self.conn.execute(self.grid_sql, (code,)).fetchall()
        return rows, geometries(rows)

    def close(self) -> None:
        self.conn.close()


def _inside(rows: list[tuple], box: Box) -> tuple[list[tuple], np.ndarray]:
    geoms = geometries(rows)
    inside = shapely.intersects(geoms, shapely.box(*box))
    return list(itertools.compress(rows, inside)), geoms[inside]


def geometries(rows: list[tuple]) -> np.ndarray:
    """Shapely geometries from the GPKG blobs in the second column of `rows`."""
    wkb = [blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0x07]:] for _, blob, *_ in rows]
    return shapely.from_wkb(np.array(wkb, dtype=object))


def point_rtree(points: np.ndarray) -> rtree.index.Index:
    """An `rtree` index over points, bulk-loaded from arrays; ids are positions."""
    xy = shapely.get_coordinates(points)
    return rtree.index.Index((np.arange(len(xy)), xy, xy))
