"""Connections to a PostGIS registry: a psycopg pool, the connection of a thread's open
transaction pinned to that thread, and server errors turned into the registry's own.

Pooled connections are in autocommit mode: a read outside a transaction is one round trip,
not BEGIN, the statement and COMMIT (three waits on a busy server); writes run inside
`Connections.transaction`, which opens a real transaction.

>>> db = Connections("postgresql://nobody@127.0.0.1:1/none")
>>> db.safe_url
'postgresql://nobody@127.0.0.1:1/none'
"""
from __future__ import annotations

import re
import threading
import weakref
from contextlib import contextmanager
from typing import Any, Iterator

import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import ConnectionPool

from registry.errors import Conflict, InvalidInput, ReadOnly, RegistryError, StorageError

#: Every session speaks UTC, so timestamps read back are the ones written. JIT is off: PostGIS
#: functions carry high cost estimates, so tile and area queries cross the JIT threshold and
#: spend ~100 ms compiling a plan that runs in 20. Parallel query is off for the same
#: reason: a tile's plan starts workers, and each fresh worker builds its own PROJ
#: transformation for ST_Transform (~100 ms) before drawing a tile that takes 10 alone; the
#: registry's queries are many and small, so the cores are better spent on other requests.
SESSION_OPTIONS = ("-c TimeZone=UTC -c DateStyle=ISO -c jit=off "
                   "-c max_parallel_workers_per_gather=0")
#: Reads run in autocommit (one round trip each); writes open explicit transactions.
_SESSION: dict[str, Any] = {"options": SESSION_OPTIONS, "autocommit": True}
#: Behind a transaction-mode pooler: the role's settings instead of options, nothing prepared.
_POOLED: dict[str, Any] = {"autocommit": True, "prepare_threshold": None}
_CONNECT_TIMEOUT_S = 10


class Connections:
    """A small pool per registry; a transaction keeps one connection for its whole length."""

    def __init__(self, url: str, max_size: int = 8) -> None:
        self.url = url
        self.max_size = max_size
        self._pool: ConnectionPool | None = None
        self._closer: weakref.finalize | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", self.url)

    def _open(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                with translated(self.safe_url):
                    session = self._session()
                self._pool = ConnectionPool(self.url, min_size=1, max_size=self.max_size,
                                            kwargs=session, open=True, name="infracensus")
                # A registry dropped without close() must still stop the pool's threads, from
                # the dropping thread: left to its own __del__, a worker would join itself.
                self._closer = weakref.finalize(self, self._pool.close)
            return self._pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """The thread's transaction connection, or a pooled one (autocommit)."""
        pinned = getattr(self._local, "conn", None)
        if pinned is not None:
            with translated(self.safe_url):
                yield pinned
            return
        with translated(self.safe_url), self._open().connection() as conn:
            yield conn

    def _session(self) -> dict[str, Any]:
        """The settings every pooled connection is opened with, found by one direct
        connection, which also fails fast with the server's own reason.

        A transaction-mode pooler (PgBouncer) refuses start-up options and, before 1.21, loses
        prepared statements between transactions: behind one the role's own settings must
        give UTC (`ALTER ROLE … SET timezone='UTC'`) and statements are never prepared."""
        try:
            psycopg.connect(self.url, connect_timeout=_CONNECT_TIMEOUT_S, **_SESSION).close()
            return _SESSION
        except psycopg.OperationalError as exc:
            if "unsupported startup parameter" not in str(exc):
                raise
        with psycopg.connect(self.url, connect_timeout=_CONNECT_TIMEOUT_S) as conn:
            zone = scalar(conn, "SHOW TimeZone")
        if zone != "UTC":
            raise StorageError(
                f"{self.safe_url} is behind a connection pooler that refuses session options, "
                f"and its role speaks time zone {zone}: run ALTER ROLE … SET timezone='UTC' "
                "(and SET jit=off, max_parallel_workers_per_gather=0) for the registry's role")
        return _POOLED

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside commit together; a nested transaction joins the outer one."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def close(self) -> None:
        with self._lock:
            if self._closer is not None:
                self._closer()
                self._pool = None


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Server errors as registry errors: a clash is a Conflict, a bad value InvalidInput, a
    write on a read replica ReadOnly."""
    try:
        yield
    except RegistryError:
        raise
    except pgerrors.ReadOnlySqlTransaction as exc:
        raise ReadOnly("this server reads a replica of the registry and cannot change it: "
                       "sign in and make changes on the primary server") from exc
    except pgerrors.UniqueViolation as exc:
        raise Conflict(f"already stored: {_detail(exc)}") from exc
    except (pgerrors.DataError, pgerrors.IntegrityError) as exc:
        raise InvalidInput(_detail(exc)) from exc
    except psycopg.OperationalError as exc:
        raise StorageError(f"{where}: {_detail(exc)}") from exc


def scalar(conn: psycopg.Connection, statement: Any, params: Any = None) -> Any:
    """The first column of the statement's one row (statements that always return one)."""
    row = conn.execute(statement, params).fetchone()
    if row is None:
        raise StorageError("the server answered no row where one is always expected")
    return row[0]


def _detail(exc: psycopg.Error) -> str:
    diag = exc.diag
    return diag.message_detail or diag.message_primary or str(exc).strip().splitlines()[0]
