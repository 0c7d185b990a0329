"""On PostGIS, with the roles `infracensus grants` sets up, the app role keeps working —
logins, edits, audit entries — but can neither DELETE, UPDATE nor TRUNCATE the journal, nor
drop or disable its guard; the reading role reads the map's tables and not the logins."""
from __future__ import annotations

import secrets
from typing import Iterator

import geopandas as gpd
import psycopg
import pytest
import shapely
from click.testing import CliRunner

import registry
from auth_helpers import PASSWORD, make_city
from registry import Change, audit
from registry.auth_store import SCHEMA
from registry.users import Users
from web.cli.grants import grants

pytestmark = pytest.mark.postgis


@pytest.fixture()
def roles(postgis_url: str) -> Iterator[dict[str, str]]:
    tag = secrets.token_hex(3)
    names = {"app": f"app_{tag}", "audit": f"audit_{tag}", "reader": f"reader_{tag}"}
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        for role in (names["app"], names["reader"]):
            conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT CREATE, USAGE ON SCHEMA public TO {names['app']}")
        conn.execute(f"GRANT CREATE ON DATABASE {postgis_url.rsplit('/', 1)[1]} "
                     f"TO {names['app']}")
    yield names
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        for role in names.values():
            conn.execute(f"DROP OWNED BY {role} CASCADE")
            conn.execute(f"DROP ROLE {role}")


def as_role(url: str, role: str) -> str:
    return url.replace("postgres@", f"{role}@")


def test_the_app_role_cannot_rewrite_the_journal(postgis_url: str, roles) -> None:
    app_url = as_role(postgis_url, roles["app"])
    make_city(app_url)  # the app role creates (and owns) the registry, as `infracensus init`
    script = CliRunner().invoke(grants, ["--app", roles["app"], "--audit", roles["audit"],
                                         "--reader", roles["reader"]]).output
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(script)
    reg = registry.open(app_url)  # the app still does its work ...
    assert Users(reg).authenticate("admin", PASSWORD).user.name == "admin"
    reg.add("drains", gpd.GeoDataFrame({"source_id": ["new"]},
                                       geometry=[shapely.Point(114.5, 38.05)], crs=4490),
            Change(who="eng"))
    assert audit.trail(reg, action="login")[0]["who"] == "admin"
    reg.close()
    with psycopg.connect(app_url, autocommit=True) as conn:  # ... but cannot undo any of it
        for statement in ("DELETE FROM registry_journal", "UPDATE registry_journal SET who = 'x'",
                          "TRUNCATE registry_journal", "DELETE FROM maintenance_events",
                          "ALTER TABLE registry_journal DISABLE TRIGGER USER",
                          "DROP TRIGGER registry_journal_append_only ON registry_journal",
                          "DROP TABLE registry_journal"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with psycopg.connect(postgis_url) as conn:
        assert conn.execute("SELECT count(*) FROM registry_journal WHERE entry->>'action' "
                            "= 'login'").fetchone()[0] >= 1


def test_the_reader_role_reads_assets_not_logins_nor_the_trail(postgis_url: str,
                                                                roles) -> None:
    make_city(as_role(postgis_url, roles["app"]))
    script = CliRunner().invoke(grants, ["--app", roles["app"], "--audit", roles["audit"],
                                         "--reader", roles["reader"]]).output
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(script)
    with psycopg.connect(as_role(postgis_url, roles["reader"]), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM drains").fetchone()[0] == 20
        for table in (f"{SCHEMA}.auth_records", "registry_journal"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM drains")
