"""Schema migrations on PostGIS: an older registry opens and is upgraded in place, as a
GeoPackage one is (`test_gpkg.py::test_an_older_registry_is_upgraded_in_place`)."""
from __future__ import annotations

import psycopg
import pytest

import registry
from registry import Change, Query

pytestmark = pytest.mark.postgis


@pytest.fixture
def registry_url(postgis_url: str) -> str:
    """Only the PostGIS backend here."""
    return postgis_url


def downgrade_to_schema_1(url: str) -> None:
    """What a registry created before documents existed (schema version 1) holds."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE registry_documents; DROP TABLE registry_journal; "
                     "DROP TABLE survey_files; "
                     "DELETE FROM infracensus_migrations WHERE version > 1")
        for (table,) in conn.execute("SELECT table_name FROM information_schema.columns "
                                     "WHERE column_name = 'source_attributes'").fetchall():
            conn.execute(f'ALTER TABLE "{table}" DROP COLUMN source_attributes')


def applied(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version, description FROM infracensus_migrations "
                            "ORDER BY version").fetchall()


def test_an_older_registry_is_upgraded_in_place(city: registry.Registry) -> None:
    city.close()
    downgrade_to_schema_1(city.url)
    upgraded = registry.open(city.url)
    assert [v for v, _ in applied(city.url)] == [1, 2, 3, 4, 5]
    assert upgraded.count(Query("drains")) == 200
    assert upgraded.documents("plan") == []
    upgraded.save_document("plan", "P-1", {"title": "雨季清掏"}, Change(who="张"))
    upgraded.append_journal("case", "C-1", {"to": "立案"}, Change(who="监督员"))
    assert upgraded.journal("case")[0]["entry"] == {"to": "立案"}
    upgraded.close()


def test_the_upgrade_runs_once(city: registry.Registry) -> None:
    """A second opening finds nothing to do; the journal is append-only after the upgrade."""
    city.close()
    downgrade_to_schema_1(city.url)
    registry.open(city.url).close()
    again = registry.open(city.url)
    assert again.storage.migrate() == []
    assert applied(city.url)[1] == (2, "documents and journal (cases, plans, work packages, "
                                       "audit)")
    again.append_journal("case", "C-1", {"to": "立案"}, Change(who="监督员"))
    again.close()
    with psycopg.connect(city.url) as conn, pytest.raises(psycopg.Error, match="append-only"):
        conn.execute("DELETE FROM registry_journal")
