"""The GeoPackage backend: a registry in one OGC GeoPackage file, no server needed.

Each layer is a feature table with an R*Tree index that GDAL and QGIS use as they are;
history, events, documents and the journal are attribute tables in the same file. A layer's
writes are in `gpkg_writes`, its queries in `gpkg_query`; this module creates and migrates the
file and answers the rest of the storage contract.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyproj

from registry.change import Change, iso, utc_now
from registry.errors import NotFound, StorageError
from registry.layers import Layer, LayerLibrary
from registry.query import Query
from registry.settings import Settings
from registry.storage import gpkg_schema as schema
from registry.storage import gpkg_rows, journal_sql
from registry.storage.base import (ARCHIVE_COLUMNS, PointRows, Storage, TileRequest,
                                   check_expected)
from registry.storage.gpkg_binary import decode
from registry.storage.gpkg_connection import Connections, run_script
from registry.storage.gpkg_query import Fetcher
from registry.storage.gpkg_writes import AssetWrites, stored_columns


class GeoPackageStorage(Storage):
    """A registry stored in a GeoPackage file.

    >>> import tempfile, registry.layers
    >>> store = GeoPackageStorage(tempfile.mkdtemp() + "/city.gpkg")
    >>> store.initialise(Settings(county="130102"), registry.layers.load_layers())
    >>> store.read_settings().county
    '130102'
    """

    def __init__(self, url: str | os.PathLike) -> None:
        self.url = str(url)
        self.db = Connections(self.url)
        self._settings: Settings | None = None

    # -- creation and settings -----------------------------------------------------------
    def initialise(self, settings: Settings, layers: LayerLibrary) -> None:
        if self._occupied():
            raise StorageError(f"{self.url} already exists; choose a new file for a new registry")
        conn = self.db.conn
        conn.execute(f"PRAGMA application_id={schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={schema.USER_VERSION}")
        with self.transaction():
            run_script(conn, schema.CORE)
            for srid in sorted({settings.storage_srid, settings.metric_srid}):
                self._add_srs(srid)
            for layer in layers.values():
                self._create_layer(layer, settings.storage_srid)
            run_script(conn, schema.REGISTRY_TABLES)
            self._register_attribute_tables()
            self._write_settings(settings)
            conn.execute("INSERT INTO infracensus_migrations VALUES (1, 'initial schema', ?)",
                         (iso(utc_now()),))
            self.migrate()
        # GDAL reads the application id from the file header, not from the WAL. (Inside an
        # outer transaction — a copy — closing the last connection checkpoints instead.)
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _occupied(self) -> bool:
        """Whether the file holds anything (a new registry may open it in a transaction first)."""
        path = Path(self.url)
        if not path.exists() or path.stat().st_size == 0:
            return False
        try:
            return self.db.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        except sqlite3.DatabaseError:
            return True

    def _add_srs(self, srid: int) -> None:
        crs = pyproj.CRS.from_epsg(srid)
        self.db.conn.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, ?)",
            (crs.name, srid, srid, crs.to_wkt("WKT1_GDAL"), crs.name))

    def _create_layer(self, layer: Layer, srid: int) -> None:
        conn = self.db.conn
        run_script(conn, schema.feature_table(layer) + schema.rtree_table(layer.name)
                   + schema.rtree_triggers(layer.name))
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description,"
                     " srs_id) VALUES (?, 'features', ?, ?, ?)",
                     (layer.name, f"{layer.zh} {layer.en}", layer.en, srid))
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                     (layer.name, schema.geometry_type_name(layer), srid))

    def _register_attribute_tables(self) -> None:
        self.db.conn.executemany(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description)"
            " VALUES (?, 'attributes', ?, ?)",
            [(name, name, text) for name, text in schema.ATTRIBUTE_TABLES.items()])

    def _write_settings(self, settings: Settings) -> None:
        self.db.conn.execute("INSERT OR REPLACE INTO infracensus_settings VALUES ('settings', ?)",
                             (orjson.dumps(settings.as_dict()).decode(),))

    def read_settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_dict(orjson.loads(self._setting("settings")))
        return self._settings

    def migrate(self) -> list[int]:
        # Look first, outside a transaction: opening an up-to-date registry must not wait
        # for the write lock, which a long import may hold for minutes.
        if not self._pending_migrations():
            return []
        conn = self.db.conn
        with self.transaction():
            pending = self._pending_migrations()
            for version in pending:
                description, ddl = schema.MIGRATIONS[version]
                run_script(conn, ddl)
                if version in schema.FEATURE_COLUMNS:
                    self._add_feature_column(*schema.FEATURE_COLUMNS[version])
                conn.execute("INSERT INTO infracensus_migrations VALUES (?, ?, ?)",
                             (version, description, iso(utc_now())))
        return pending

    def _add_feature_column(self, column: str, kind: str) -> None:
        """Add `column` to every feature table that lacks it (a new one has it already)."""
        conn = self.db.conn
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY 1")]
        for table in tables:
            held = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
            if column not in held:
                run_script(conn, schema.add_feature_column(table, column, kind))

    def _pending_migrations(self) -> list[int]:
        conn = self.db.conn
        applied = conn.execute("SELECT max(version) FROM infracensus_migrations").fetchone()[0]
        return sorted(v for v in schema.MIGRATIONS if v > applied)

    def _setting(self, key: str) -> str:
        if not Path(self.url).exists():
            raise StorageError(f"{self.url}: no such registry (create it with `infracensus init`)")
        try:
            row = self.db.conn.execute(
                "SELECT value FROM infracensus_settings WHERE key = ?", (key,)).fetchone()
        except Exception as exc:
            raise StorageError(f"{self.url} is not an Infracensus registry ({exc})") from None
        if row is None:
            raise StorageError(f"{self.url} is not an Infracensus registry (no settings)")
        return row[0]

    def transaction(self) -> AbstractContextManager[None]:
        return self.db.transaction()

    def import_lock(self, layer: Layer) -> AbstractContextManager[None]:
        # BEGIN IMMEDIATE takes SQLite's one write lock (waiting up to the busy timeout),
        # and a WAL snapshot taken after it sees every committed import.
        return self.db.transaction()

    def extent(self, layer: Layer) -> tuple[float, float, float, float] | None:
        # gpkg_contents keeps the extent of every write (see _touch), as GDAL reads it.
        row = self.db.conn.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents "
                                   "WHERE table_name = ?", (layer.name,)).fetchone()
        return None if row is None or row[0] is None else tuple(row)  # type: ignore[return-value]

    def change_stamp(self) -> int:
        """A number that grows with every asset change (for caches)."""
        row = self.db.conn.execute("SELECT max(id) FROM asset_versions").fetchone()
        return row[0] or 0

    # -- asset writes ---------------------------------------------------------------------
    def _writes(self, layer: Layer) -> AssetWrites:
        return AssetWrites(self.db, layer, self.read_settings())

    def insert_assets(self, layer: Layer, assets: gpd.GeoDataFrame, change: Change) -> None:
        if not assets.empty:
            with self.transaction():
                self._writes(layer).insert(assets, change)

    def update_assets(self, layer: Layer, assets: gpd.GeoDataFrame, change: Change) -> None:
        if not assets.empty:
            with self.transaction():
                self._writes(layer).update(assets, change)

    def retire_assets(self, layer: Layer, uuids: Sequence[str], versions: Sequence[int],
                      change: Change) -> None:
        with self.transaction():
            self._writes(layer).retire(uuids, versions, change)

    # -- reads ----------------------------------------------------------------------------
    def _fetcher(self, layer: Layer) -> Fetcher:
        return Fetcher(self.db, layer, self.read_settings())

    def fetch(self, layer: Layer, query: Query) -> gpd.GeoDataFrame:
        return self._fetcher(layer).fetch(query)

    def count(self, layer: Layer, query: Query) -> int:
        return self._fetcher(layer).count(query)

    def centres(self, layer: Layer, query: Query) -> np.ndarray:
        return self._fetcher(layer).centres(query)

    def attributes(self, layer: Layer, columns: Sequence[str],
                   include_retired: bool = False) -> pd.DataFrame:
        allowed = set(stored_columns(layer))
        unknown = [c for c in columns if c not in allowed]
        if unknown:
            raise NotFound(f"layer {layer.name} has no column {unknown[0]!r}")
        where = "" if include_retired else " WHERE retired_at IS NULL"
        names = ", ".join(f'"{c}"' for c in columns)
        rows = self.db.conn.execute(f'SELECT {names} FROM "{layer.name}"{where} ORDER BY fid')
        return pd.DataFrame.from_records(rows.fetchall(), columns=list(columns))

    def layer_of(self, uuid: str) -> str:
        row = self.db.conn.execute("SELECT layer FROM asset_versions WHERE uuid = ? LIMIT 1",
                                   (uuid,)).fetchone()
        if row is None:
            raise NotFound(f"no asset {uuid}")
        return row[0]

    def versions(self, uuid: str) -> list[dict[str, Any]]:
        cursor = self.db.conn.execute(
            "SELECT version, kind, valid_from, valid_to, who, why, source, ref, geom, attributes,"
            " layer FROM asset_versions WHERE uuid = ? ORDER BY version", (uuid,))
        return [_version_record(row) for row in cursor]

    # -- events, serials, batches -----------------------------------------------------------
    def add_events(self, events: Sequence[dict[str, Any]]) -> None:
        columns = ["event_uuid", "uuid", "layer", "kind", "date", "crew", "condition_before",
                   "condition_after", "cost", "notes", "recorded_at", "recorded_by", "source",
                   "ref"]
        with self.transaction():
            self.db.conn.executemany(
                f"INSERT INTO maintenance_events ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                ([event.get(c) for c in columns] for event in events))

    def events(self, uuid: str) -> list[dict[str, Any]]:
        return self._events("uuid = ?", uuid)

    def events_of(self, uuids: Sequence[str]) -> list[dict[str, Any]]:
        # One parameter however many assets: SQLite caps the number of `?` in a statement.
        return self._events("uuid IN (SELECT value FROM json_each(?))",
                            orjson.dumps(list(uuids)).decode())

    def _events(self, test: str, param: str) -> list[dict[str, Any]]:
        cursor = self.db.conn.execute(
            f"SELECT * FROM maintenance_events WHERE {test} ORDER BY date, id", (param,))
        names = [d[0] for d in cursor.description]
        return [{k: v for k, v in zip(names, row) if k != "id"} for row in cursor]

    def allocate_serials(self, class_code: str, n: int) -> int:
        conn = self.db.conn
        with self.transaction():
            row = conn.execute("SELECT last_serial FROM gbt_serials WHERE class_code = ?",
                               (class_code,)).fetchone()
            last = row[0] if row else 0
            conn.execute("INSERT OR REPLACE INTO gbt_serials VALUES (?, ?)", (class_code, last + n))
        return last + 1

    def add_batch(self, batch: dict[str, Any]) -> None:
        columns = ["batch_uuid", "layer", "file_name", "checksum", "who", "started_at",
                   "finished_at", "encoding", "encoding_note", "crs", "crs_note", "counts",
                   "options"]
        values = [_jsonable(batch.get(c)) for c in columns]
        with self.transaction():
            self.db.conn.execute(f"INSERT INTO import_batches ({', '.join(columns)}) "
                                 f"VALUES ({', '.join('?' * len(columns))})", values)

    def batches(self) -> list[dict[str, Any]]:
        cursor = self.db.conn.execute("SELECT * FROM import_batches ORDER BY id DESC")
        names = [d[0] for d in cursor.description]
        out = []
        for row in cursor:
            record = dict(zip(names, row))
            for key in ("counts", "options"):
                record[key] = orjson.loads(record[key]) if record[key] else None
            out.append(record)
        return out

    def archive_file(self, record: dict[str, Any]) -> bool:
        with self.transaction():
            cursor = self.db.conn.execute(
                f"INSERT INTO survey_files ({', '.join(ARCHIVE_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(ARCHIVE_COLUMNS))}) ON CONFLICT (checksum) DO NOTHING",
                [record[c] for c in ARCHIVE_COLUMNS])
        return cursor.rowcount == 1

    def archived_file(self, checksum: str) -> dict[str, Any] | None:
        cursor = self.db.conn.execute(
            f"SELECT {', '.join(ARCHIVE_COLUMNS)} FROM survey_files WHERE checksum = ?",
            (checksum,))
        row = cursor.fetchone()
        return None if row is None else dict(zip(ARCHIVE_COLUMNS, row))

    # -- documents and journal -------------------------------------------------------------
    def save_document(self, kind: str, key: str, body: dict[str, Any],
                      expected_version: int | None, at: str) -> int:
        conn = self.db.conn
        with self.transaction():
            row = conn.execute("SELECT version FROM registry_documents WHERE kind = ? AND key = ?",
                               (kind, key)).fetchone()
            version = row[0] if row else 0
            check_expected(kind, key, version, expected_version)
            text = orjson.dumps(body, default=str).decode()
            conn.execute("INSERT INTO registry_documents VALUES (?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, "
                         "body = excluded.body, updated_at = excluded.updated_at",
                         (kind, key, version + 1, text, at, at))
        return version + 1

    def documents(self, kind: str, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT key, version, body, created_at, updated_at FROM registry_documents"
               " WHERE kind = ?")
        params: list[Any] = [kind]
        if keys is not None:
            sql += f" AND key IN ({', '.join('?' * len(keys))})"
            params += list(keys)
        rows = self.db.conn.execute(sql + " ORDER BY key", params).fetchall()
        return [{"key": k, "version": v, "body": orjson.loads(b), "created_at": c,
                 "updated_at": u} for k, v, b, c, u in rows]

    def delete_documents(self, kind: str, keys: Sequence[str]) -> None:
        conn = self.db.conn
        # Zero the deleted rows instead of leaving them in free pages of the file, and empty
        # the WAL, which still holds the pages as they were.
        conn.execute("PRAGMA secure_delete=ON")
        try:
            with self.transaction():
                conn.executemany("DELETE FROM registry_documents WHERE kind = ? AND key = ?",
                                 [(kind, key) for key in keys])
        finally:
            conn.execute("PRAGMA secure_delete=OFF")
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def append_journal(self, kind: str, key: str, who: str, entry: dict[str, Any],
                       at: str) -> None:
        with self.transaction():
            self.db.conn.execute(
                "INSERT INTO registry_journal (kind, key, at, who, entry) VALUES (?, ?, ?, ?, ?)",
                (kind, key, at, who, orjson.dumps(entry, default=str).decode()))

    def journal(self, kind: str, key: str | None = None, *, who: str | None = None,
                since: str | None = None, match: dict[str, str] | None = None,
                latest: int | None = None) -> list[dict[str, Any]]:
        statement, params = journal_sql.select(
            kind, key, who=who, since=since, match=match, latest=latest, mark="?",
            entry_field="json_extract(entry, '$.' || ?)")
        rows = self.db.conn.execute(statement, params).fetchall()
        found = [{"key": k, "at": a, "who": w, "entry": orjson.loads(e)} for k, a, w, e in rows]
        return found if latest is None else found[::-1]

    # -- whole tables and tiles -------------------------------------------------------------
    def dump_rows(self, table: str) -> Iterator[dict[str, Any]]:
        return gpkg_rows.dump(self.db.conn, table)

    def load_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        with self.transaction():
            gpkg_rows.load(self.db.conn, table, rows, self.read_settings().storage_srid)

    def point_rows(self, layer: Layer, query: Query) -> PointRows | None:
        return None  # the frame is most of what reading a page from SQLite costs

    def tile(self, layer: Layer, request: TileRequest) -> bytes | None:
        return None  # the web layer's vectorised encoder is as fast as SQLite can feed it

    def release(self) -> None:
        self.db.release()

    def close(self) -> None:
        self.db.close()


def _version_record(row: tuple) -> dict[str, Any]:
    version, kind, valid_from, valid_to, who, why, source, ref, geom, attributes, layer = row
    return {"version": version, "kind": kind, "valid_from": valid_from, "valid_to": valid_to,
            "who": who, "why": why, "source": source, "ref": ref, "layer": layer,
            "geometry": decode([geom])[0] if geom is not None else None,
            "attributes": orjson.loads(attributes) if attributes else None}


def _jsonable(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, (dict, list)) else value
