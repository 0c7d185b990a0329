"""The PostGIS backend: a registry in a PostgreSQL database, for many users and large cities.

Tables and columns are those of the GeoPackage backend, in PostgreSQL types; queries answer
the same frames. Bulk inserts number their rows under a table lock and COPY them in; a large
load into a small table builds its indexes (and those of the version table) once at the end
instead of row by row (`postgis_indexes`).
History is kept server-side: an update or retirement moves each superseded state into its
version row with one UPDATE ... FROM.

>>> store = PostGISStorage("postgresql://postgres@127.0.0.1:5432/city")   # doctest: +SKIP
>>> store.initialise(Settings(county="130102"), registry.layers.load_layers())  # doctest: +SKIP
"""
from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from typing import Any, Iterable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from registry.change import Change
from registry.errors import Conflict, NotFound, StorageError
from registry.frames import asset_columns
from registry.layers import Layer, LayerLibrary
from registry.query import Query
from registry.settings import Settings
from registry.storage import journal_sql, postgis_rows
from registry.storage import postgis_indexes as indexes
from registry.storage import postgis_schema as schema
from registry.storage.base import (ARCHIVE_COLUMNS, PointRows, Storage, TileRequest,
                                   check_expected)
from registry.storage.postgis_connection import Connections, scalar
from registry.storage.postgis_copy import copy_assets
from registry.storage.postgis_query import Fetcher
from registry.storage.postgis_tiles import render

#: First key of the per-layer import advisory locks (the second is the layer's name hashed).
IMPORT_LOCK_CLASS = 0x1C_0001
EVENT_COLUMNS = ("event_uuid", "uuid", "layer", "kind", "date", "crew", "condition_before",
                 "condition_after", "cost", "notes", "recorded_at", "recorded_by", "source", "ref")
BATCH_COLUMNS = ("batch_uuid", "layer", "file_name", "checksum", "who", "started_at",
                 "finished_at", "encoding", "encoding_note", "crs", "crs_note", "counts", "options")


class PostGISStorage(Storage):
    """A registry stored in a PostgreSQL database with PostGIS."""

    def __init__(self, url: str) -> None:
        self.url = str(url)
        self.db = Connections(self.url)
        self._settings: Settings | None = None
        self._fetchers: dict[str, Fetcher] = {}

    # -- creation and settings -----------------------------------------------------------
    def initialise(self, settings: Settings, layers: LayerLibrary) -> None:
        with self.transaction(), self.db.connection() as conn:
            if _is_registry(conn):
                raise StorageError(f"{self.db.safe_url} already holds a registry")
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.execute(schema.registry_tables(settings.storage_srid))
            for layer in layers.values():
                for statement in schema.feature_table(layer, settings.storage_srid):
                    conn.execute(statement)
            conn.execute("INSERT INTO infracensus_settings VALUES ('settings', %s)",
                         (orjson.dumps(settings.as_dict()).decode(),))
            conn.execute("INSERT INTO infracensus_migrations VALUES (1, 'initial schema', now())")
            self.migrate()

    def migrate(self) -> list[int]:
        with self.transaction(), self.db.connection() as conn:
            applied = scalar(conn, "SELECT max(version) FROM infracensus_migrations")
            pending = sorted(v for v in schema.MIGRATIONS if v > applied)
            for version in pending:
                description, ddl = schema.MIGRATIONS[version]
                if ddl:
                    conn.execute(ddl)
                if version in schema.FEATURE_COLUMNS:
                    _add_feature_column(conn, *schema.FEATURE_COLUMNS[version])
                conn.execute("INSERT INTO infracensus_migrations VALUES (%s, %s, now())",
                             (version, description))
        return pending

    def read_settings(self) -> Settings:
        if self._settings is None:
            with self.db.connection() as conn:
                row = _is_registry(conn) and conn.execute(
                    "SELECT value FROM infracensus_settings WHERE key = 'settings'").fetchone()
            if not row:
                raise StorageError(f"{self.db.safe_url} is not an Infracensus registry")
            self._settings = Settings.from_dict(orjson.loads(row[0]))
        return self._settings

    def transaction(self) -> AbstractContextManager[None]:
        return self.db.transaction()

    @contextmanager
    def import_lock(self, layer: Layer) -> Iterator[None]:
        # Held to commit; READ COMMITTED statements after it see the other import's rows.
        with self.db.transaction(), self.db.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                         (IMPORT_LOCK_CLASS, layer.name))
            yield

    def extent(self, layer: Layer) -> tuple[float, float, float, float] | None:
        with self.db.connection() as conn:
            row = conn.execute(sql.SQL(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
                "ST_Extent(geom) AS e FROM {} WHERE retired_at IS NULL) x").format(
                sql.Identifier(layer.name))).fetchone()
        return None if row is None or row[0] is None else tuple(row)  # type: ignore[return-value]

    def change_stamp(self) -> int:
        with self.db.connection() as conn:
            return int(scalar(conn, "SELECT COALESCE(max(id), 0) FROM asset_versions"))

    # -- asset writes ---------------------------------------------------------------------
    def insert_assets(self, layer: Layer, assets: gpd.GeoDataFrame, change: Change) -> None:
        if assets.empty:
            return
        table = sql.Identifier(layer.name)
        with self.transaction(), self.db.connection() as conn:
            # Numbering rows ourselves needs the table to ourselves until commit.
            conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(table))
            first = scalar(conn, sql.SQL("SELECT COALESCE(max(fid), 0) + 1 FROM {}").format(table))
            last = first + len(assets) - 1
            bulk = indexes.worth_rebuilding(len(assets), first - 1)
            with indexes.set_aside(conn, layer.name, bulk):
                copy_assets(conn, layer.name, assets, _stored_columns(layer),
                            self.read_settings().storage_srid, range(first, last + 1))
            conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'fid'), %s)",
                         (_quoted(conn, layer.name), last))
            _first_versions(conn, layer, first, last, change)

    def update_assets(self, layer: Layer, assets: gpd.GeoDataFrame, change: Change) -> None:
        if assets.empty:
            return
        uuids, versions = assets["uuid"].tolist(), [int(v) for v in assets["version"]]
        columns = [c for c in _stored_columns(layer) if c not in ("uuid", "created_at")]
        with self.transaction(), self.db.connection() as conn:
            self._check_versions(conn, layer, uuids, versions)
            _snapshot(conn, layer, uuids, change)
            with _staged(conn, layer, assets, self.read_settings().storage_srid) as stage:
                conn.execute(sql.SQL("UPDATE {t} SET {sets} FROM {s} WHERE {t}.uuid = {s}.uuid")
                             .format(t=sql.Identifier(layer.name), s=stage, sets=sql.SQL(", ").join(
                                 sql.SQL("{0} = {1}.{0}").format(sql.Identifier(c), stage)
                                 for c in ["geom", *columns])))
            _append_versions(conn, layer, uuids, versions, "update", change)

    def retire_assets(self, layer: Layer, uuids: Sequence[str], versions: Sequence[int],
                      change: Change) -> None:
        uuids, versions = list(uuids), [int(v) for v in versions]
        with self.transaction(), self.db.connection() as conn:
            self._check_versions(conn, layer, uuids, versions)
            _snapshot(conn, layer, uuids, change)
            conn.execute(sql.SQL(
                "UPDATE {} t SET retired_at = %s, updated_at = %s, version = x.version FROM "
                "unnest(%s::text[], %s::int[]) x(uuid, version) WHERE t.uuid = x.uuid").format(
                sql.Identifier(layer.name)), (change.stamp, change.stamp, uuids, versions))
            _append_versions(conn, layer, uuids, versions, "retire", change)

    def _check_versions(self, conn: psycopg.Connection, layer: Layer, uuids: list[str],
                        versions: list[int]) -> None:
        """NotFound, or Conflict when an asset is retired or was changed meanwhile."""
        rows = conn.execute(sql.SQL(
            "SELECT uuid, version, retired_at IS NOT NULL FROM {} WHERE uuid = ANY(%s) "
            "FOR UPDATE").format(sql.Identifier(layer.name)), (uuids,)).fetchall()
        stored = {uuid: (version, retired) for uuid, version, retired in rows}
        missing = set(uuids) - set(stored)
        if missing:
            raise NotFound(f"layer {layer.name} has no asset {sorted(missing)[0]}")
        for uuid, version in zip(uuids, versions):
            if stored[uuid][0] + 1 != version:
                raise Conflict(f"asset {uuid} was changed by someone else (now version "
                               f"{stored[uuid][0]}); reload it and try again")
        retired = [uuid for uuid in uuids if stored[uuid][1]]
        if retired:
            raise Conflict(f"asset {retired[0]} is retired")

    # -- reads ----------------------------------------------------------------------------
    def _fetcher(self, layer: Layer) -> Fetcher:
        """The layer's query runner, kept with what it has rendered of its statements."""
        fetcher = self._fetchers.get(layer.name)
        if fetcher is None or fetcher.layer is not layer:
            fetcher = self._fetchers[layer.name] = Fetcher(self.db, layer, self.read_settings())
        return fetcher

    def fetch(self, layer: Layer, query: Query) -> gpd.GeoDataFrame:
        return self._fetcher(layer).fetch(query)

    def count(self, layer: Layer, query: Query) -> int:
        return self._fetcher(layer).count(query)

    def attributes(self, layer: Layer, columns: Sequence[str],
                   include_retired: bool = False) -> pd.DataFrame:
        unknown = [c for c in columns if c not in _stored_columns(layer)]
        if unknown:
            raise NotFound(f"layer {layer.name} has no column {unknown[0]!r}")
        where = sql.SQL("" if include_retired else " WHERE t.retired_at IS NULL")
        statement = sql.SQL("SELECT {} FROM {} t{} ORDER BY t.fid").format(
            sql.SQL(", ").join(schema.output(layer, c) for c in columns) or sql.SQL("1"),
            sql.Identifier(layer.name), where)
        with self.db.connection() as conn:
            rows = conn.execute(statement).fetchall()
        return pd.DataFrame.from_records([r[:len(columns)] for r in rows], columns=list(columns))

    def layer_of(self, uuid: str) -> str:
        with self.db.connection() as conn:
            row = conn.execute("SELECT layer FROM asset_versions WHERE uuid = %s LIMIT 1",
                               (uuid,)).fetchone()
        if row is None:
            raise NotFound(f"no asset {uuid}")
        return row[0]

    def versions(self, uuid: str) -> list[dict[str, Any]]:
        statement = sql.SQL(
            "SELECT version, kind, {}, {}, who, why, source, ref, ST_AsBinary(geom), attributes,"
            " layer FROM asset_versions WHERE uuid = %s ORDER BY version").format(
            *(schema.iso_text(sql.Identifier(c)) for c in ("valid_from", "valid_to")))
        with self.db.connection() as conn:
            return [_version_record(row) for row in conn.execute(statement, (uuid,))]

    # -- events, serials, batches -----------------------------------------------------------
    def add_events(self, events: Sequence[dict[str, Any]]) -> None:
        with self.transaction(), self.db.connection() as conn:
            conn.cursor().executemany(_insert("maintenance_events", EVENT_COLUMNS),
                                      [[event.get(c) for c in EVENT_COLUMNS] for event in events])

    def events(self, uuid: str) -> list[dict[str, Any]]:
        return self._events("uuid = %s", uuid)

    def events_of(self, uuids: Sequence[str]) -> list[dict[str, Any]]:
        return self._events("uuid = ANY(%s)", list(uuids))

    def _events(self, test: str, param: Any) -> list[dict[str, Any]]:
        statement = sql.SQL("SELECT {} FROM maintenance_events WHERE {} ORDER BY date, id").format(
            sql.SQL(", ").join(map(sql.Identifier, EVENT_COLUMNS)), sql.SQL(test))
        with self.db.connection() as conn:
            return [dict(zip(EVENT_COLUMNS, row)) for row in conn.execute(statement, (param,))]

    def allocate_serials(self, class_code: str, n: int) -> int:
        with self.transaction(), self.db.connection() as conn:
            last = scalar(
                conn, "INSERT INTO gbt_serials VALUES (%s, %s) ON CONFLICT (class_code) DO UPDATE"
                " SET last_serial = gbt_serials.last_serial + EXCLUDED.last_serial"
                " RETURNING last_serial", (class_code, n))
        return last - n + 1

    def add_batch(self, batch: dict[str, Any]) -> None:
        values = [_jsonable(batch.get(c)) for c in BATCH_COLUMNS]
        with self.transaction(), self.db.connection() as conn:
            conn.execute(_insert("import_batches", BATCH_COLUMNS), values)

    def batches(self) -> list[dict[str, Any]]:
        names = ("id", *BATCH_COLUMNS)
        statement = sql.SQL("SELECT {} FROM import_batches ORDER BY id DESC").format(
            sql.SQL(", ").join(map(sql.Identifier, names)))
        with self.db.connection() as conn:
            records = [dict(zip(names, row)) for row in conn.execute(statement)]
        for record in records:
            for key in ("counts", "options"):
                record[key] = orjson.loads(record[key]) if record[key] else None
        return records

    def archive_file(self, record: dict[str, Any]) -> bool:
        statement = sql.SQL("{} ON CONFLICT (checksum) DO NOTHING").format(
            _insert("survey_files", ARCHIVE_COLUMNS))
        with self.transaction(), self.db.connection() as conn:
            cursor = conn.execute(statement, [record[c] for c in ARCHIVE_COLUMNS])
            return cursor.rowcount == 1

    def archived_file(self, checksum: str) -> dict[str, Any] | None:
        statement = sql.SQL("SELECT {} FROM survey_files WHERE checksum = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, ARCHIVE_COLUMNS)))
        with self.db.connection() as conn:
            row = conn.execute(statement, (checksum,)).fetchone()
        return None if row is None else dict(zip(ARCHIVE_COLUMNS, row))

    # -- documents and journal -------------------------------------------------------------
    def save_document(self, kind: str, key: str, body: dict[str, Any],
                      expected_version: int | None, at: str) -> int:
        with self.transaction(), self.db.connection() as conn:
            row = conn.execute("SELECT version FROM registry_documents WHERE kind = %s AND "
                               "key = %s FOR UPDATE", (kind, key)).fetchone()
            version = row[0] if row else 0
            check_expected(kind, key, version, expected_version)
            conn.execute("INSERT INTO registry_documents VALUES (%s, %s, %s, %s, %s, %s) "
                         "ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, "
                         "body = excluded.body, updated_at = excluded.updated_at",
                         (kind, key, version + 1, orjson.dumps(body, default=str).decode(),
                          at, at))
        return version + 1

    def documents(self, kind: str, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        sql_text = ("SELECT key, version, body, created_at, updated_at FROM registry_documents "
                    "WHERE kind = %s" + (" AND key = ANY(%s)" if keys is not None else "")
                    + " ORDER BY key")
        params = (kind, list(keys)) if keys is not None else (kind,)
        with self.db.connection() as conn:
            rows = conn.execute(sql_text, params).fetchall()
        return [{"key": k, "version": v, "body": b, "created_at": c, "updated_at": u}
                for k, v, b, c, u in rows]

    def delete_documents(self, kind: str, keys: Sequence[str]) -> None:
        # Dead row versions stay on disk until (auto)vacuum; dumps never carry them.
        with self.transaction(), self.db.connection() as conn:
            conn.execute("DELETE FROM registry_documents WHERE kind = %s AND key = ANY(%s)",
                         (kind, list(keys)))

    def append_journal(self, kind: str, key: str, who: str, entry: dict[str, Any],
                       at: str) -> None:
        with self.transaction(), self.db.connection() as conn:
            conn.execute("INSERT INTO registry_journal (kind, key, at, who, entry) "
                         "VALUES (%s, %s, %s, %s, %s)",
                         (kind, key, at, who, orjson.dumps(entry, default=str).decode()))

    def journal(self, kind: str, key: str | None = None, *, who: str | None = None,
                since: str | None = None, match: dict[str, str] | None = None,
                latest: int | None = None) -> list[dict[str, Any]]:
        statement, params = journal_sql.select(
            kind, key, who=who, since=since, match=match, latest=latest, mark="%s",
            entry_field="entry ->> %s")
        with self.db.connection() as conn:
            rows = conn.execute(statement, params).fetchall()
        found = [{"key": k, "at": a, "who": w, "entry": e} for k, a, w, e in rows]
        return found if latest is None else found[::-1]

    # -- whole tables and tiles -------------------------------------------------------------
    def dump_rows(self, table: str) -> Iterator[dict[str, Any]]:
        # A server-side cursor lives in a transaction.
        with self.db.connection() as conn, conn.transaction():
            yield from postgis_rows.dump(conn, table)

    def load_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        with self.transaction(), self.db.connection() as conn:
            postgis_rows.load(conn, table, rows, self.read_settings().storage_srid)

    def centres(self, layer: Layer, query: Query) -> np.ndarray:
        return self._fetcher(layer).centres(query)

    def point_rows(self, layer: Layer, query: Query) -> PointRows | None:
        return self._fetcher(layer).point_rows(query)

    def tile(self, layer: Layer, request: TileRequest) -> bytes | None:
        return render(self._fetcher(layer), request)

    def close(self) -> None:
        self.db.close()


def _add_feature_column(conn: psycopg.Connection, column: str, kind: str) -> None:
    """Add `column` to every feature table that lacks it (a new one has it already)."""
    for (table,) in conn.execute(schema.FEATURE_TABLES, (column,)).fetchall():
        conn.execute(schema.add_feature_column(table, column, kind))


def _is_registry(conn: psycopg.Connection) -> bool:
    return bool(scalar(conn, "SELECT to_regclass('infracensus_settings') IS NOT NULL"))


def _stored_columns(layer: Layer) -> list[str]:
    return asset_columns(layer)


def _quoted(conn: psycopg.Connection, name: str) -> str:
    return sql.Identifier(name).as_string(conn)


def _provenance(change: Change) -> tuple:
    return change.stamp, change.who, change.why, change.source, change.ref


def _insert(table: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)))


@contextmanager
def _staged(conn: psycopg.Connection, layer: Layer, assets: gpd.GeoDataFrame,
            srid: int) -> Iterator[sql.Identifier]:
    """The assets COPYed into a temporary table shaped like the layer's."""
    name = f"infracensus_stage_{layer.name}"
    stage = sql.Identifier(name)
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT * FROM {} WITH NO DATA")
                 .format(stage, sql.Identifier(layer.name)))
    copy_assets(conn, name, assets, _stored_columns(layer), srid)
    yield stage
    conn.execute(sql.SQL("DROP TABLE {}").format(stage))


def _snapshot(conn: psycopg.Connection, layer: Layer, uuids: list[str], change: Change) -> None:
    """Move the superseded state of each asset into its version row, on the server."""
    state = sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(c), schema.output(layer, c))
                               for c in _stored_columns(layer))
    conn.execute(sql.SQL(
        "UPDATE asset_versions v SET valid_to = %s, geom = t.geom, attributes = "
        "jsonb_build_object({}) FROM {} t WHERE t.uuid = ANY(%s) AND v.uuid = t.uuid "
        "AND v.version = t.version").format(state, sql.Identifier(layer.name)),
        (change.stamp, uuids))


def _first_versions(conn: psycopg.Connection, layer: Layer, first: int, last: int,
                    change: Change) -> None:
    """Version 1 of each asset numbered `first`..`last`, written on the server."""
    stored = scalar(conn, "SELECT COALESCE(max(id), 0) FROM asset_versions")
    with indexes.set_aside(conn, "asset_versions",
                           indexes.worth_rebuilding(last - first + 1, stored)):
        conn.execute(sql.SQL(
            "INSERT INTO asset_versions (uuid, layer, fid, version, kind, valid_from, who, why, "
            "source, ref) SELECT uuid, %s, fid, 1, 'add', %s, %s, %s, %s, %s FROM {} "
            "WHERE fid BETWEEN %s AND %s").format(sql.Identifier(layer.name)),
            (layer.name, *_provenance(change), first, last))


def _append_versions(conn: psycopg.Connection, layer: Layer, uuids: list[str],
                     versions: list[int], kind: str, change: Change) -> None:
    conn.execute(sql.SQL(
        "INSERT INTO asset_versions (uuid, layer, fid, version, kind, valid_from, who, why, "
        "source, ref) SELECT x.uuid, %s, t.fid, x.version, %s, %s, %s, %s, %s, %s FROM "
        "unnest(%s::text[], %s::int[]) x(uuid, version) JOIN {} t ON t.uuid = x.uuid").format(
        sql.Identifier(layer.name)), (layer.name, kind, *_provenance(change), uuids, versions))


def _version_record(row: tuple) -> dict[str, Any]:
    version, kind, valid_from, valid_to, who, why, source, ref, geom, attributes, layer = row
    return {"version": version, "kind": kind, "valid_from": valid_from, "valid_to": valid_to,
            "who": who, "why": why, "source": source, "ref": ref, "layer": layer,
            "geometry": shapely.from_wkb(geom) if geom is not None else None,
            "attributes": attributes}


def _jsonable(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, (dict, list)) else value
