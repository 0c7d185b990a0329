"""Writes to one layer of a GeoPackage registry: inserts, updates and retirements of assets,
each with its versions, the layer's R*Tree and `gpkg_contents` kept true. Bulk writes drop the
R*Tree triggers inside their transaction and fill the index from numpy bounds; a load as big as
the table drops its secondary indexes and builds each once after.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from typing import Any, Iterable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from registry.change import Change, iso, utc_now
from registry.errors import Conflict, NotFound
from registry.frames import asset_columns
from registry.layers import Layer
from registry.settings import Settings
from registry.storage import gpkg_schema as schema
from registry.storage.gpkg_binary import encode
from registry.storage.gpkg_connection import Connections, run_script
from registry.storage.gpkg_query import Fetcher
from registry.storage.gpkg_rtree import pack

#: A load at least this big, and at least as big as what the table holds, rebuilds indexes.
BULK_ROWS = 50_000


class AssetWrites:
    """The writes of one layer, inside the caller's transaction."""

    def __init__(self, db: Connections, layer: Layer, settings: Settings) -> None:
        self.conn, self.layer, self.srid = db.conn, layer, settings.storage_srid
        self.fetcher = Fetcher(db, layer, settings)

    def insert(self, assets: gpd.GeoDataFrame, change: Change) -> None:
        """New assets with their first versions; a load as big as the table rebuilds its
        indexes once and packs the R*Tree."""
        conn, srid, layer = self.conn, self.srid, self.layer
        first, stored = conn.execute(
            f'SELECT COALESCE(MAX(fid), 0) + 1, COUNT(*) FROM "{layer.name}"').fetchone()
        fids = np.arange(first, first + len(assets)).tolist()
        geoms = assets.geometry.to_numpy()
        columns = stored_columns(layer)
        rows = zip(fids, encode(geoms, srid), *_column_values(assets, columns))
        marks = ", ".join("?" * (len(columns) + 2))
        names = ", ".join(f'"{c}"' for c in columns)
        bulk = len(assets) >= max(BULK_ROWS, stored)
        with _TriggersOff(conn, layer.name), _rebuilt(conn, layer.name, bulk):
            conn.executemany(f'INSERT INTO "{layer.name}" (fid, geom, {names}) VALUES ({marks})',
                             rows)
            if bulk:
                self._repack(layer.name, fids, geoms)
            else:
                self._index(layer.name, fids, geoms, replace=False)
        self._first_versions(first, fids[-1], change)
        self._touch(layer.name, geoms)

    def _first_versions(self, first: int, last: int, change: Change) -> None:
        """Version 1 of every asset just added, copied server-side from the feature rows."""
        conn, layer = self.conn, self.layer
        total = conn.execute("SELECT COUNT(*) FROM asset_versions").fetchone()[0]
        with _versions_rebuilt(conn, last - first + 1 >= max(BULK_ROWS, total)):
            conn.execute(
                "INSERT INTO asset_versions (uuid, layer, fid, version, kind, valid_from, who, why,"
                f' source, ref) SELECT uuid, ?, fid, 1, \'add\', ?, ?, ?, ?, ? FROM "{layer.name}"'
                " WHERE fid BETWEEN ? AND ?",
                (layer.name, change.stamp, change.who, change.why, change.source, change.ref,
                 first, last))

    def _index(self, table: str, fids: list[int], geoms: np.ndarray, *, replace: bool) -> None:
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        bounds = shapely.bounds(geoms[present])
        ids = np.asarray(fids)[present].tolist()
        rows = zip(ids, bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(),
                   bounds[:, 3].tolist())
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        self.conn.executemany(f'{verb} INTO "rtree_{table}_geom" VALUES (?, ?, ?, ?, ?)', rows)
        if replace and not present.all():
            gone = np.asarray(fids)[~present].tolist()
            self.conn.executemany(f'DELETE FROM "rtree_{table}_geom" WHERE id = ?',
                                     [(f,) for f in gone])

    def _repack(self, table: str, fids: list[int], geoms: np.ndarray) -> None:
        """Rebuild the whole R*Tree, packed, from what it held plus the new geometries."""
        rtree = f"rtree_{table}_geom"
        held = np.array(self.conn.execute(
            f'SELECT id, minx, miny, maxx, maxy FROM "{rtree}"').fetchall(), dtype=float)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        ids = np.concatenate([held[:, 0] if len(held) else [], np.asarray(fids)[present]])
        bounds = np.vstack([held[:, 1:] if len(held) else np.empty((0, 4)),
                            shapely.bounds(geoms[present])])
        pack(self.conn, rtree, ids.astype(np.int64), bounds)

    def _touch(self, table: str, geoms: np.ndarray) -> None:
        """Keep gpkg_contents' extent and last_change true after a write."""
        conn = self.conn
        old = conn.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents"
                           " WHERE table_name = ?", (table,)).fetchone()
        valid = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        boxes = [shapely.total_bounds(valid)] if len(valid) else []
        if old[0] is not None:
            boxes.append(np.array(old, dtype=float))
        if boxes:
            b = np.vstack(boxes)
            extent = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
            conn.execute("UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=? "
                         "WHERE table_name = ?", (*map(float, extent), table))
        conn.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?",
                     (iso(utc_now()), table))

    def update(self, assets: gpd.GeoDataFrame, change: Change) -> None:
        """New states of assets at their expected versions; the old ones become snapshots."""
        conn, srid, layer = self.conn, self.srid, self.layer
        current = self._current_rows(assets["uuid"].tolist())
        fids = self._check_versions(current, assets)
        self._snapshot(current, change)
        # Identity never changes on update; leaving it out spares its index maintenance.
        columns = [c for c in stored_columns(layer)
                   if c not in ("uuid", "gbt_code", "source_id", "created_at")]
        geoms = assets.geometry.to_numpy()
        sets = ", ".join(f'"{c}" = ?' for c in ["geom", *columns])
        rows = zip(encode(geoms, srid), *_column_values(assets, columns), fids)
        # Most updates change attributes only: the R*Tree is touched for moved assets alone.
        stored = current.geometry.to_numpy()[
            pd.Index(current["uuid"]).get_indexer(assets["uuid"])]
        moved = ~shapely.equals_exact(geoms, stored, 0)
        with _TriggersOff(conn, layer.name):
            conn.executemany(f'UPDATE "{layer.name}" SET {sets} WHERE fid = ?', rows)
            self._index(layer.name, np.asarray(fids)[moved].tolist(), geoms[moved],
                        replace=True)
        self._append_versions(assets["uuid"].tolist(), fids,
                              assets["version"].tolist(), "update", change)
        self._touch(layer.name, geoms)

    def _current_rows(self, uuids: list[str]) -> gpd.GeoDataFrame:
        rows = self.fetcher.by_uuid(uuids)
        missing = set(uuids) - set(rows["uuid"])
        if missing:
            raise NotFound(f"layer {self.layer.name} has no asset {sorted(missing)[0]}")
        return rows

    def _check_versions(self, current: gpd.GeoDataFrame, assets: gpd.GeoDataFrame) -> list[int]:
        stored = current.set_index("uuid")
        expected = stored.loc[assets["uuid"], "version"].to_numpy() + 1
        stale = np.flatnonzero(expected != assets["version"].to_numpy())
        if len(stale):
            uuid = assets["uuid"].iloc[stale[0]]
            raise Conflict(f"asset {uuid} was changed by someone else (now version "
                           f"{stored.loc[uuid, 'version']}); reload it and try again")
        retired = stored.loc[assets["uuid"], "retired_at"].notna().to_numpy()
        if retired.any():
            raise Conflict(f"asset {assets['uuid'].iloc[np.flatnonzero(retired)[0]]} is retired")
        return stored.loc[assets["uuid"], "_fid"].astype(int).tolist()

    def _snapshot(self, current: gpd.GeoDataFrame, change: Change) -> None:
        """Move the superseded state of each asset into its version row."""
        columns = [c for c in current.columns if c not in ("geometry", "_fid")]
        values = [_plain_values(current[c]) for c in columns]
        attributes = [orjson.dumps(dict(zip(columns, row)), default=str).decode()
                      for row in zip(*values)]
        blobs = encode(current.geometry.to_numpy(), self.srid)
        uuids, versions = current["uuid"].tolist(), current["version"].tolist()
        stamp = change.stamp
        self.conn.executemany(
            "UPDATE asset_versions SET valid_to = ?, geom = ?, attributes = ?"
            " WHERE uuid = ? AND version = ?",
            ((stamp, blob, text, uuid, version)
             for blob, text, uuid, version in zip(blobs, attributes, uuids, versions)))

    def _append_versions(self, uuids: list[str], fids: list[int], versions: list[int],
                         kind: str, change: Change) -> None:
        same = (self.layer.name, kind, change.stamp, change.who, change.why, change.source,
                change.ref)
        self.conn.executemany(
            "INSERT INTO asset_versions (uuid, fid, version, layer, kind, valid_from, who, why,"
            " source, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((u, f, v, *same) for u, f, v in zip(uuids, fids, versions)))

    def retire(self, uuids: Sequence[str], versions: Sequence[int], change: Change) -> None:
        """Assets taken out of service at their expected versions (kept, with history)."""
        layer = self.layer
        current = self._current_rows(list(uuids))
        frame = gpd.GeoDataFrame({"uuid": list(uuids), "version": list(versions)})
        fids = self._check_versions(current, frame)
        self._snapshot(current, change)
        stamp = change.stamp
        self.conn.executemany(
            f'UPDATE "{layer.name}" SET retired_at = ?, updated_at = ?, version = ? '
            "WHERE fid = ?",
            ((stamp, stamp, v, f) for v, f in zip(versions, fids)))
        self._append_versions(list(uuids), fids, list(versions), "retire", change)


@contextmanager
def _rebuilt(conn: Any, table: str, rebuild: bool) -> Iterator[None]:
    """For a bulk load, drop a feature table's secondary indexes and build each once after."""
    if rebuild:
        run_script(conn, schema.drop_feature_indexes(table))
    yield
    if rebuild:
        run_script(conn, schema.feature_indexes(table))


@contextmanager
def _versions_rebuilt(conn: Any, rebuild: bool) -> Iterator[None]:
    if rebuild:
        run_script(conn, schema.DROP_VERSION_INDEXES)
    yield
    if rebuild:
        run_script(conn, schema.VERSION_INDEXES)


class _TriggersOff(AbstractContextManager[None]):
    """Drop a table's R*Tree triggers for a bulk write; recreate them after (same transaction)."""

    def __init__(self, conn: Any, table: str) -> None:
        self.conn, self.table = conn, table

    def __enter__(self) -> None:
        run_script(self.conn, schema.drop_rtree_triggers(self.table))

    def __exit__(self, *exc: object) -> None:
        run_script(self.conn, schema.rtree_triggers(self.table))


def stored_columns(layer: Layer) -> list[str]:
    return asset_columns(layer)


def _column_values(frame: gpd.GeoDataFrame, columns: Iterable[str]) -> list[list]:
    """Each column as a list of plain Python values, None for missing."""
    out = []
    for name in columns:
        if name not in frame:
            out.append([None] * len(frame))
            continue
        col = frame[name]
        values = col.astype(object).where(col.notna(), None).tolist()
        out.append([int(v) if isinstance(v, (bool, np.bool_)) else v for v in values]
                   if col.dtype == bool or str(col.dtype) == "boolean" else values)
    return out


def _plain_values(column: pd.Series) -> list:
    """A column as Python values (booleans stay booleans), None for missing: what a
    version snapshot stores."""
    return column.astype(object).where(column.notna(), None).tolist()
