"""A registry reached through PgBouncer in transaction mode (Debian 12 ships 1.18, which refuses
start-up options and keeps no prepared statements across transactions), as the README's
deployment section sets it up for many app hosts."""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

import registry
from postgis_server import PostgisServer
from registry import Change
from registry.errors import Conflict, StorageError
from storage.conftest import lattice_drains

pytestmark = [pytest.mark.postgis, pytest.mark.skipif(
    not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()),
    reason="PgBouncer not installed: apt-get install pgbouncer")]


def role_setting(server: PostgisServer, dbname: str, zone: str) -> None:
    """What `ALTER ROLE … SET timezone` does for the registry's role, for one database."""
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE postgres IN DATABASE {} SET timezone = {}").format(
            sql.Identifier(dbname), sql.Literal(zone)))


def test_the_registry_works_through_pgbouncer(postgis_server: PostgisServer,
                                              postgis_url: str) -> None:
    dbname = postgis_url.rsplit("/", 1)[1]
    role_setting(postgis_server, dbname, "UTC")
    with postgis_server.pgbouncer(dbname) as pooled:
        reg = registry.create(pooled, county="130102")
        reg.add("drains", lattice_drains(), Change(who="import"))
        box = dict(layer="drains", bbox=(114.45, 38.01, 114.49, 38.03))
        # More queries than psycopg's prepare threshold, from more threads than server
        # connections: a statement prepared on one server connection is missing on the other.
        with ThreadPoolExecutor(4) as pool:
            counts = list(pool.map(lambda _: reg.count(**box), range(40)))
        assert set(counts) == {reg.count(**box)} and counts[0] > 0
        drain = reg.query(**box).iloc[0]
        reg.update(drain["uuid"], {"condition": 5}, change=Change(who="eng"),
                   expected_version=drain["version"])
        with pytest.raises(Conflict):
            reg.update(drain["uuid"], {"condition": 4}, change=Change(who="crew"),
                       expected_version=drain["version"])
        assert reg.get(drain["uuid"])["properties"]["condition"] == 5
        reg.close()


def test_a_role_not_on_utc_is_refused_with_the_fix(postgis_server: PostgisServer,
                                                   postgis_url: str) -> None:
    dbname = postgis_url.rsplit("/", 1)[1]
    role_setting(postgis_server, dbname, "Asia/Shanghai")
    with postgis_server.pgbouncer(dbname) as pooled:
        with pytest.raises(StorageError, match=r"SET timezone='UTC'"):
            registry.create(pooled, county="130102")
