"""A throw-away PostgreSQL + PostGIS server for the test session, and a fresh database per test.

The server is Debian's own PostgreSQL, started on a temporary data directory and a free
loopback port, and removed when the session ends. Each test gets its own database, cloned
from a template that already holds the postgis extension (cloning takes milliseconds;
``CREATE EXTENSION postgis`` takes seconds).

>>> def test_roundtrip(postgis_url):            # doctest: +SKIP
...     with psycopg.connect(postgis_url) as conn:
...         conn.execute("SELECT postgis_version()").fetchone()
"""
from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

MISSING = "PostgreSQL with PostGIS not installed: apt-get install postgresql-15-postgis-3"
TEMPLATE = "infracensus_template"
# Durability is pointless for a server that is deleted after the run; this makes it fast.
SERVER_OPTIONS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c listen_addresses=127.0.0.1")


def find_bin_dir() -> Path | None:
    """Newest Debian PostgreSQL whose share directory also holds the postgis extension."""
    for bin_dir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_major, reverse=True):
        version = bin_dir.parent.name
        if (bin_dir / "initdb").exists() and \
                Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return bin_dir
    return None


def _major(bin_dir: Path) -> int:
    return int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgisServer:
    """A running server: where it listens and how to run its tools."""

    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def run(self, tool: str, *args: str) -> None:
        """Run a server tool as the `postgres` user (PostgreSQL refuses to run as root)."""
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stderr.strip()}\n{tail}")

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = f"-p {self.port} -k {self.root} {SERVER_OPTIONS}"
        self.run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l",
                 str(self.root / "server.log"), "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    @contextmanager
    def standby(self) -> Iterator[PostgisServer]:
        """A read replica streaming from this server, as `pg_basebackup -R` makes one; stopped
        and removed on exit."""
        replica = PostgisServer(self.bin_dir, self.root / "standby", free_port())
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 "-D", str(replica.data_dir), "-R", "--checkpoint=fast")
        options = f"-p {replica.port} -k {self.root} {SERVER_OPTIONS}"
        self.run("pg_ctl", "-D", str(replica.data_dir), "-o", options, "-l",
                 str(replica.root / "server.log"), "-w", "start")
        try:
            yield replica
        finally:
            replica.stop()
            shutil.rmtree(replica.root, ignore_errors=True)

    @contextmanager
    def pgbouncer(self, dbname: str) -> Iterator[str]:
        """PgBouncer in transaction mode in front of one database, as many app hosts share a
        server; yields the URL to connect through it."""
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        root, port = self.root / f"pgbouncer-{dbname}", free_port()
        root.mkdir()
        (root / "pgbouncer.ini").write_text(
            f"[databases]\n{dbname} = host=127.0.0.1 port={self.port} dbname={dbname} "
            f"user=postgres\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
            f"unix_socket_dir =\nauth_type = any\npool_mode = transaction\n"
            f"default_pool_size = 2\nlogfile = {root}/pgbouncer.log\n")
        command = []
        if os.geteuid() == 0:  # PgBouncer, like PostgreSQL, refuses to run as root
            shutil.chown(root, "postgres")
            command = ["runuser", "-u", "postgres", "--"]
        process = subprocess.Popen([*command, binary, str(root / "pgbouncer.ini")])
        try:
            _wait_for_port(port)
            yield f"postgresql://postgres@127.0.0.1:{port}/{dbname}"
        finally:
            process.terminate()
            process.wait()

    def caught_up(self, replica: PostgisServer, timeout_s: float = 30) -> None:
        """Wait until `replica` has replayed everything this server has written so far
        (the insert position: with synchronous_commit=off a commit may not be written yet)."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout_s
        with psycopg.connect(replica.url(), autocommit=True) as conn:
            while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                   (target,)).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the replica did not reach {target} in {timeout_s} s")
                time.sleep(0.05)

    def admin(self, statement: sql.Composed) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(statement)

    def create_template(self) -> None:
        self.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
        with psycopg.connect(self.url(TEMPLATE), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")

    def create_database(self, name: str) -> str:
        """A new database with PostGIS ready; returns its URL."""
        self.admin(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(TEMPLATE)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        # FORCE ends connections a test left open, e.g. an unclosed pool.
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _wait_for_port(port: int, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _server_root() -> Path:
    """A temporary directory the `postgres` user owns (initdb refuses others' directories)."""
    root = Path(tempfile.mkdtemp(prefix="infracensus-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    return root


def unavailable_reason() -> str | None:
    """Why no PostGIS server can be started here, or None when one can."""
    if find_bin_dir() is None:
        return MISSING
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return f"{MISSING} (there is no postgres user to run the server as)"
    return None


@contextmanager
def running() -> Iterator[PostgisServer]:
    """A started server with the PostGIS template, stopped and removed on exit (the test
    session's, and the PostGIS benchmark's)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(MISSING)
    server = PostgisServer(bin_dir, _server_root(), free_port())
    try:
        server.start()
        server.create_template()
        yield server
    finally:
        if (server.data_dir / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgisServer]:
    """A PostgreSQL + PostGIS server for the whole session; skips when none is installed."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with running() as server:
        yield server


_database_numbers = itertools.count(1)


@pytest.fixture
def postgis_url(postgis_server: PostgisServer) -> Iterator[str]:
    """URL of a fresh, empty database with PostGIS, dropped after the test."""
    with _fresh_databases(postgis_server) as make:
        yield make()


@contextmanager
def _fresh_databases(server: PostgisServer) -> Iterator[Callable[[], str]]:
    """A maker of fresh databases on `server`, each returned as its URL; all dropped on exit."""
    made: list[str] = []

    def make() -> str:
        made.append(f"test_{os.getpid()}_{next(_database_numbers)}")
        return server.create_database(made[-1])
    try:
        yield make
    finally:
        for name in made:
            server.drop_database(name)


@pytest.fixture
def postgis_urls(postgis_server: PostgisServer) -> Iterator[Callable[[], str]]:
    """A maker of fresh databases (for tests that build several registries); all dropped after."""
    with _fresh_databases(postgis_server) as make:
        yield make


@pytest.fixture(scope="module")
def postgis_module_urls(postgis_server: PostgisServer) -> Iterator[Callable[[], str]]:
    """`postgis_urls` for databases the tests of a module share; dropped after the module."""
    with _fresh_databases(postgis_server) as make:
        yield make
