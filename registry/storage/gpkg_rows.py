"""Whole tables of a GeoPackage registry in and out, in the canonical row form (`rows`).

A load into a feature table works as a bulk import does: the R*Tree triggers and secondary
indexes are dropped inside the transaction, the rows inserted in chunks, then the indexes
built once and the R*Tree packed from the geometries' bounds.

>>> import tempfile, registry.layers
>>> from registry.settings import Settings
>>> from registry.storage.gpkg import GeoPackageStorage
>>> store = GeoPackageStorage(tempfile.mkdtemp() + "/city.gpkg")
>>> store.initialise(Settings(county="130102"), registry.layers.load_layers())
>>> [row["version"] for row in dump(store.db.conn, "infracensus_migrations")]
[1, 2, 3, 4, 5]
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import orjson
import shapely

from registry.change import iso, utc_now
from registry.errors import NotFound
from registry.storage import gpkg_schema as schema
from registry.storage.gpkg_binary import encode
from registry.storage.gpkg_connection import run_script
from registry.storage.gpkg_rtree import pack
from registry.storage.rows import (BOOKKEEPING, CHUNK, FEATURE_MOMENTS, JSON_COLUMNS, MOMENTS,
                                   canonical_moment, wkb_body)


def dump(conn: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    """Every row of `table`, canonical (see `Storage.dump_rows`)."""
    converters = _converters(conn, table)
    cursor = conn.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    for row in cursor:
        record = dict(zip(names, row))
        for name, convert in converters:
            record[name] = convert(record[name])
        yield record


def _converters(conn: sqlite3.Connection, table: str) -> list[tuple[str, Callable]]:
    declared = {name: (kind or "").upper()
                for _, name, kind, *_ in conn.execute(f'PRAGMA table_info("{table}")')}
    if not declared:
        raise NotFound(f"the registry has no table {table!r}")
    moments = FEATURE_MOMENTS if is_feature_table(conn, table) else MOMENTS.get(table, ())
    out: list[tuple[str, Callable]] = [(name, canonical_moment) for name in moments]
    out += [(name, _loads) for name in declared if name in JSON_COLUMNS]
    out += [(name, _bool) for name, kind in declared.items() if kind == "BOOLEAN"]
    return out + ([("geom", wkb_body)] if "geom" in declared else [])


def _loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def is_feature_table(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM gpkg_geometry_columns WHERE table_name = ?",
                        (table,)).fetchone() is not None


def load(conn: sqlite3.Connection, table: str, rows: Iterable[dict[str, Any]],
         srid: int) -> None:
    """Insert canonical rows into `table` of a new registry, inside the caller's transaction."""
    if table in BOOKKEEPING:
        conn.execute(f'DELETE FROM "{table}"')
    feature = is_feature_table(conn, table)
    bounds: list[np.ndarray] = []
    with _indexes_set_aside(conn, table, feature):
        iterator = iter(rows)
        while chunk := list(islice(iterator, CHUNK)):
            bounds.append(_insert(conn, table, chunk, srid))
        if feature:
            _index_features(conn, table, bounds)


def _insert(conn: sqlite3.Connection, table: str, chunk: list[dict[str, Any]],
            srid: int) -> np.ndarray:
    """Insert one chunk; returns (fid, minx, miny, maxx, maxy) of its non-empty geometries."""
    names = list(chunk[0])
    columns = {name: [row[name] for row in chunk] for name in names}
    for name in JSON_COLUMNS.intersection(names):
        columns[name] = [None if v is None else orjson.dumps(v).decode() for v in columns[name]]
    found = np.empty((0, 5))
    if "geom" in columns:
        geoms = shapely.from_wkb(np.array(columns["geom"], dtype=object))
        columns["geom"] = encode(geoms, srid)
        if "fid" in columns:
            found = _bounds(np.asarray(columns["fid"], dtype=float), geoms)
    quoted = ", ".join(f'"{n}"' for n in names)
    conn.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(names))})',
                     zip(*columns.values()))
    return found


def _bounds(fids: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return np.column_stack([fids[present], shapely.bounds(geoms[present])])


@contextmanager
def _indexes_set_aside(conn: sqlite3.Connection, table: str, feature: bool) -> Iterator[None]:
    """Drop a table's secondary indexes (and R*Tree triggers) for a load; rebuild after."""
    drop, build = _index_scripts(table, feature)
    run_script(conn, drop)
    yield
    run_script(conn, build)


def _index_scripts(table: str, feature: bool) -> tuple[str, str]:
    if feature:
        return (schema.drop_feature_indexes(table) + schema.drop_rtree_triggers(table),
                schema.feature_indexes(table) + schema.rtree_triggers(table))
    if table == "asset_versions":
        return schema.DROP_VERSION_INDEXES, schema.VERSION_INDEXES
    return "", ""


def _index_features(conn: sqlite3.Connection, table: str, parts: list[np.ndarray]) -> None:
    """Pack the layer's R*Tree and record its extent in gpkg_contents, as GDAL reads them."""
    found = np.vstack(parts) if parts else np.empty((0, 5))
    pack(conn, f"rtree_{table}_geom", found[:, 0].astype(np.int64), found[:, 1:])
    extent = ((found[:, 1].min(), found[:, 2].min(), found[:, 3].max(), found[:, 4].max())
              if len(found) else (None,) * 4)
    conn.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
                 "last_change = ? WHERE table_name = ?",
                 (*[None if v is None else float(v) for v in extent], iso(utc_now()), table))
