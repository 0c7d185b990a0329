"""The auth store: accounts, password hashes, API tokens, sessions, login throttles and the
application's keys, kept apart from the registry so that the registry file — which people
open in QGIS, publish, copy and back up — never holds anything that logs anyone in.

Where it lives (`location`):

- a GeoPackage registry ``city.gpkg`` → the SQLite file ``city.auth.sqlite`` beside it,
  created mode 0600; ``INFRACENSUS_AUTH_STORE`` names another path;
- a PostGIS registry → the schema ``infracensus_auth`` of the same database (a registry in
  schema ``city_sjz``: ``city_sjz_auth``), with every privilege revoked from PUBLIC, so a
  reading role granted SELECT on the registry's tables cannot read it (README, "Security
  model").

Every record is (kind, key) → a JSON body with a version, and optionally the user it belongs
to (``owner``), so all of one user's sessions or tokens go at once.

>>> import tempfile
>>> store = SqliteAuthStore(tempfile.mkdtemp() + "/city.auth.sqlite")
>>> store.save("user", "wang", {"roles": ["viewer"]}, owner="wang", expected_version=0)
1
>>> store.get("user", "wang").body, store.get("user", "li")
({'roles': ['viewer']}, None)
"""
from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import orjson

from registry.change import iso, utc_now
from registry.storage.base import check_expected

if TYPE_CHECKING:
    from registry.api import Registry

ENV = "INFRACENSUS_AUTH_STORE"
SUFFIX = ".auth.sqlite"
SCHEMA = "infracensus_auth"
#: Owner read/write only: the store holds what logs people in.
FILE_MODE = 0o600
#: Idle SQLite connections kept for the next request.
IDLE_CONNECTIONS = 4

_TABLE = ("CREATE TABLE IF NOT EXISTS {t} (kind TEXT NOT NULL, key TEXT NOT NULL, owner TEXT, "
          "version INTEGER NOT NULL, body TEXT NOT NULL, updated_at TEXT NOT NULL, "
          "PRIMARY KEY (kind, key))")
_OWNER_INDEX = "CREATE INDEX IF NOT EXISTS {i} ON {t} (kind, owner)"


@dataclass(frozen=True)
class Record:
    """One stored record."""

    kind: str
    key: str
    owner: str | None
    version: int
    body: dict[str, Any]
    updated_at: str


class AuthStore(ABC):
    """Records by (kind, key); the SQL is shared, the two backends differ in connections."""

    table = "auth_records"
    mark = "?"

    @abstractmethod
    def transaction(self) -> Any:
        """Group reads and writes into one atomic unit (a write lock is taken at once)."""

    @abstractmethod
    def _run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (``?`` marks) and return its rows."""

    def close(self) -> None:
        """Let go of connections (a no-op where the registry owns them)."""

    def get(self, kind: str, key: str) -> Record | None:
        rows = self._run(f"SELECT kind, key, owner, version, body, updated_at FROM {self.table}"
                         " WHERE kind = ? AND key = ?", (kind, key))
        return _record(rows[0]) if rows else None

    def all(self, kind: str, owner: str | None = None) -> list[Record]:
        """Every record of a kind (of one owner), in key order."""
        sql = (f"SELECT kind, key, owner, version, body, updated_at FROM {self.table} "
               "WHERE kind = ?" + (" AND owner = ?" if owner is not None else "") + " ORDER BY key")
        return [_record(r) for r in self._run(sql, (kind,) + ((owner,) if owner else ()))]

    def save(self, kind: str, key: str, body: dict[str, Any], *, owner: str | None = None,
             expected_version: int | None = None) -> int:
        """Create or replace; Conflict if it moved on from `expected_version` (0: must be new)."""
        with self.transaction():
            found = self.get(kind, key)
            version = found.version if found else 0
            check_expected(kind, key, version, expected_version)
            self._run(f"DELETE FROM {self.table} WHERE kind = ? AND key = ?", (kind, key))
            self._run(f"INSERT INTO {self.table} VALUES (?, ?, ?, ?, ?, ?)",
                      (kind, key, owner, version + 1, orjson.dumps(body, default=str).decode(),
                       iso(utc_now())))
        return version + 1

    def delete(self, kind: str, key: str) -> bool:
        """Remove one record; whether there was one."""
        with self.transaction():
            found = self.get(kind, key) is not None
            self._run(f"DELETE FROM {self.table} WHERE kind = ? AND key = ?", (kind, key))
        return found

    def delete_older(self, kind: str, before: str) -> None:
        """Remove every record of a kind last saved before `before` (ISO 8601 UTC)."""
        self._run(f"DELETE FROM {self.table} WHERE kind = ? AND updated_at < ?", (kind, before))

    def delete_owned(self, kind: str, owner: str) -> None:
        """Remove every record of a kind that belongs to `owner` (all of a user's sessions)."""
        self._run(f"DELETE FROM {self.table} WHERE kind = ? AND owner = ?", (kind, owner))


def _record(row: tuple[Any, ...]) -> Record:
    kind, key, owner, version, body, updated_at = row
    return Record(kind, key, owner, version, orjson.loads(body), str(updated_at))


class SqliteAuthStore(AuthStore):
    """The auth store of a GeoPackage registry: its own SQLite file, mode 0600."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        _create_private(Path(self.path))
        self._run("PRAGMA journal_mode=WAL")  # readers never wait for a login being saved
        with self.transaction():
            self._run(_TABLE.format(t=self.table))
            self._run(_OWNER_INDEX.format(i="auth_records_owner", t=self.table))

    def _connect(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                               check_same_thread=False)
        conn.execute("PRAGMA synchronous=FULL")  # a password change must survive a crash
        conn.execute("PRAGMA secure_delete=ON")  # a revoked secret leaves no bytes behind
        return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        """Keep a few connections for the next request: opening one costs more than the
        session look-up it serves."""
        with self._lock:
            if len(self._idle) < IDLE_CONNECTIONS and not conn.in_transaction:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One connection for the transaction's length, then back to the idle ones."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        conn = self._local.conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._local.conn = None
            self._give_back(conn)

    def _run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn.execute(statement, params).fetchall()
        conn = self._connect()
        try:
            return conn.execute(statement, params).fetchall()
        finally:
            self._give_back(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _create_private(path: Path) -> None:
    """Create the file owner-only before SQLite opens it (its -wal and -shm files copy the
    mode); an existing file is tightened to 0600 too."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    os.chmod(path, FILE_MODE)


class PostgresAuthStore(AuthStore):
    """The auth store of a PostGIS registry: schema ``infracensus_auth`` in its database,
    reached through the registry's own connections (so a change and its audit entry commit
    together)."""

    def __init__(self, db: Any) -> None:
        self.db = db  # registry.storage.postgis_connection.Connections
        self.schema = schema_for(self._run("SELECT current_schema()")[0][0])
        self.table = f'"{self.schema}".auth_records'
        if not self._run("SELECT to_regclass(?) IS NOT NULL", (self.table,))[0][0]:
            self._create()

    def _create(self) -> None:
        with self.transaction():
            self._run(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            self._run(f'REVOKE ALL ON SCHEMA "{self.schema}" FROM PUBLIC')
            self._run(_TABLE.format(t=self.table))
            self._run(f"REVOKE ALL ON {self.table} FROM PUBLIC")
            self._run(_OWNER_INDEX.format(i="auth_records_owner", t=self.table))

    def transaction(self) -> Any:
        return self.db.transaction()

    def _run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.db.connection() as conn:
            cursor = conn.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []


def schema_for(registry_schema: str | None) -> str:
    """The auth store's schema beside a registry's: one city per schema (the README's
    province set-up) gets one auth store each.

    >>> schema_for("public"), schema_for("city_sjz")
    ('infracensus_auth', 'city_sjz_auth')
    """
    return SCHEMA if registry_schema in (None, "public") else f"{registry_schema}_auth"


def location(registry_url: str) -> str:
    """Where the auth store of a registry lives.

    >>> location("/data/city.gpkg")  # doctest: +SKIP
    '/data/city.auth.sqlite'
    >>> location("postgresql://app@db/city")
    'postgresql://app@db/city (schema infracensus_auth)'
    """
    if registry_url.startswith(("postgresql://", "postgres://")):
        return f"{registry_url} (schema {SCHEMA})"
    if os.environ.get(ENV):
        return os.environ[ENV]
    path = Path(registry_url)
    return str(path.with_name(path.stem + SUFFIX))


_stores: "weakref.WeakKeyDictionary[Registry, AuthStore]" = weakref.WeakKeyDictionary()
_opening = threading.Lock()


def for_registry(reg: "Registry") -> AuthStore:
    """The auth store of an open registry, opened (and created) on first use."""
    with _opening:
        store = _stores.get(reg)
        if store is None:
            store = _stores[reg] = _open(reg)
    return store


def _open(reg: "Registry") -> AuthStore:
    from registry.storage.postgis import PostGISStorage
    if isinstance(reg.storage, PostGISStorage):
        return PostgresAuthStore(reg.storage.db)
    return SqliteAuthStore(location(reg.url))
