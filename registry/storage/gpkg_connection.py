"""SQLite connections to a GeoPackage registry: per-thread, WAL, busy timeouts, and the
ST_* functions the GeoPackage R*Tree triggers call (GDAL provides them; we must too).

Commits are durable: ``synchronous=FULL`` syncs the WAL at every commit, so a power cut
never takes back a change the registry already confirmed (with NORMAL the last commits
before a crash may roll back; `bench/durability_bench.py` measures the cost). A new
registry file is created owner-only (0600); SQLite gives its -wal and -shm files the same
mode.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import shapely
from shapely.geometry.base import BaseGeometry

from registry.storage.gpkg_binary import decode, envelope

_SPATIAL_TESTS: dict[str, Callable[[BaseGeometry, BaseGeometry], bool]] = {
    "intersects": shapely.intersects, "within": shapely.within,
    "contains": shapely.contains, "disjoint": shapely.disjoint,
}


def _corner(index: int) -> Callable[[bytes | None], float | None]:
    def read(blob: bytes | None) -> float | None:
        env = envelope(blob)
        return None if env is None else env[index]
    return read


def point_in(blob: bytes | None, minx: float, miny: float, maxx: float, maxy: float) -> int:
    """Whether a stored point lies in a box (other geometries: whether their envelope meets it)."""
    env = envelope(blob)
    if env is None:
        return 0
    return int(env[0] <= maxx and env[1] >= minx and env[2] <= maxy and env[3] >= miny)


def _is_empty(blob: bytes | None) -> int | None:
    return None if blob is None else int(envelope(blob) is None)


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction.

    ``executescript`` would commit the pending transaction first, breaking atomicity.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


#: Idle connections kept for the next thread (a web server's request threads come and go).
IDLE_CONNECTIONS = 8
#: Owner read/write only: a registry holds who reported and changed what.
FILE_MODE = 0o600


def create_private(path: str) -> None:
    """Create `path` empty with mode 0600 unless it exists (a registry about to be made);
    ``:memory:`` and URIs are left to SQLite."""
    if path.startswith(("file:", ":memory:")) or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        pass  # another process made it first


class Connections:
    """One SQLite connection per thread, with nested transactions counted per thread.

    A thread that is done gives its connection back (`release`); the next thread takes it
    with its schema already parsed and its page cache warm, instead of opening a new one.
    """

    #: ``PRAGMA synchronous`` of new connections (the durability bench compares NORMAL).
    synchronous = "FULL"

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @property
    def spatial_args(self) -> dict[int, tuple[str, BaseGeometry]]:
        """Operands of the spatial filter predicates of this thread's statement, by key."""
        if not hasattr(self._local, "spatial_args"):
            self._local.spatial_args = {}
        return self._local.spatial_args

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            conn = self._local.conn = conn or self._connect()
            self._local.depth = 0
        return conn

    def _connect(self) -> sqlite3.Connection:
        create_private(self.path)
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        if self.synchronous not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {self.synchronous!r}")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        # Random UUID keys thrash the default 2 MB page cache on million-row imports.
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("PRAGMA temp_store=MEMORY")
        for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
            conn.create_function(name, 1, _corner(i), deterministic=True)
        conn.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)
        conn.create_function("infracensus_spatial", 2, self._spatial_test)
        conn.create_function("infracensus_point_in", 5, point_in, deterministic=True)
        return conn

    def _spatial_test(self, blob: bytes | None, key: int) -> int:
        if blob is None:
            return 0
        op, geometry = self.spatial_args[key]
        return int(_SPATIAL_TESTS[op](decode([blob])[0], geometry))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        conn = self.conn
        if self._local.depth == 0:
            conn.execute("BEGIN IMMEDIATE")
        self._local.depth += 1
        try:
            yield
        except BaseException:
            self._local.depth -= 1
            if self._local.depth == 0:
                conn.execute("ROLLBACK")
            raise
        self._local.depth -= 1
        if self._local.depth == 0:
            conn.execute("COMMIT")

    def release(self) -> None:
        """Give this thread's connection back for another thread to use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        self._local.conn = None
        if self._local.depth == 0 and not conn.in_transaction:
            with self._lock:
                if len(self._idle) < IDLE_CONNECTIONS:
                    self._idle.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        """Close this thread's connection and every idle one."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
