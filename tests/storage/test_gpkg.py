"""What only the GeoPackage backend promises: a file GDAL and QGIS open as it is."""
from __future__ import annotations

import sqlite3

import pyogrio
import pytest
import shapely

import geopandas as gpd

import registry
from registry import Change, Query
from registry.errors import RecordErrors
from registry.storage import gpkg_writes
from registry.storage.gpkg_binary import decode, encode, point_xy


@pytest.fixture
def registry_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Only the GeoPackage backend here."""
    return str(tmp_path / "city.gpkg")


def test_gdal_lists_every_layer_with_the_registry_counts(city: registry.Registry) -> None:
    listed = dict(pyogrio.list_layers(city.url).tolist())
    assert {"drains", "lamp_posts", "bridges", "gas_mains", "safety_valves", "grids",
            "asset_versions", "maintenance_events", "import_batches"} <= set(listed)
    assert listed["drains"] == "Point"
    stats = city.stats().set_index(["layer", "grid_code"])["assets"]
    for layer in city.layers:
        info = pyogrio.read_info(city.url, layer=layer)
        assert info["features"] == stats[(layer, "(全部 all)")]
        assert info["crs"] == "EPSG:4490"


def test_gdal_uses_the_rtree_for_a_box(city: registry.Registry, origin: tuple) -> None:
    x0, y0 = origin
    box = (x0 - 1e-4, y0 - 1e-4, x0 + 0.0101, y0 + 0.0101)
    frame = pyogrio.read_dataframe(city.url, layer="drains", bbox=box)
    assert sorted(frame["source_id"]) == sorted(city.query(Query("drains", bbox=box))["source_id"])


def test_an_edit_made_outside_keeps_the_index_true(city: registry.Registry) -> None:
    """QGIS edits through SQLite with the GeoPackage triggers; our R*Tree must follow."""
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    blob = encode([shapely.Point(114.59, 38.09)], 4490)[0]
    conn = city.storage.db.conn
    conn.execute('UPDATE drains SET geom = ? WHERE uuid = ?', (blob, uuid))
    found = city.query(Query("drains", bbox=(114.589, 38.089, 114.591, 38.091)))
    assert found["uuid"].tolist() == [uuid]


def test_events_cannot_be_changed_or_deleted(city: registry.Registry) -> None:
    conn = sqlite3.connect(city.url)
    conn.execute("INSERT INTO maintenance_events (event_uuid, uuid, layer, kind, date,"
                 " recorded_at, recorded_by) VALUES ('e', 'a', 'drains', 'repair', "
                 "'2026-01-01', 'now', 'x')")
    for statement in ("UPDATE maintenance_events SET crew = 'y'", "DELETE FROM maintenance_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()


def test_an_older_registry_is_upgraded_in_place(city: registry.Registry) -> None:
    """A registry of schema version 1 (before documents existed) opens and gains them."""
    conn = sqlite3.connect(city.url)
    conn.executescript("DROP TABLE registry_documents; DROP TABLE registry_journal;"
                       "DROP TABLE survey_files;"
                       "DELETE FROM infracensus_migrations WHERE version > 1;"
                       "DELETE FROM gpkg_contents WHERE table_name LIKE 'registry_%'"
                       " OR table_name = 'survey_files';")
    for (table,) in conn.execute("SELECT table_name FROM gpkg_contents "
                                 "WHERE data_type = 'features'").fetchall():
        conn.execute(f'ALTER TABLE "{table}" DROP COLUMN source_attributes')
    conn.commit()
    conn.close()
    city.close()
    upgraded = registry.open(city.url)
    versions = sqlite3.connect(city.url).execute(
        "SELECT version FROM infracensus_migrations ORDER BY version").fetchall()
    assert versions == [(1,), (2,), (3,), (4,), (5,)]
    assert upgraded.count(Query("drains")) == 200
    assert upgraded.documents("plan") == []


def test_a_bulk_load_builds_indexes_that_sqlite_and_gdal_accept(
        registry_url: str, monkeypatch: pytest.MonkeyPatch, lattice: gpd.GeoDataFrame,
        origin: tuple) -> None:
    """Big loads drop and rebuild the indexes and pack the R*Tree; the result must be exact."""
    monkeypatch.setattr(gpkg_writes, "BULK_ROWS", 1)
    reg = registry.create(registry_url, county="130102")
    reg.add("drains", lattice.iloc[:150], Change(who="first load"))
    reg.add("drains", lattice.iloc[150:], Change(who="second, smaller: row by row"))
    conn = sqlite3.connect(registry_url)
    assert conn.execute("SELECT rtreecheck('rtree_drains_geom')").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"drains_uuid", "drains_gbt_code", "asset_versions_uuid"} <= indexes
    x0, y0 = origin
    box = (x0 - 1e-4, y0 - 1e-4, x0 + 0.0101, y0 + 0.0101)
    assert reg.count(Query("drains", bbox=box)) == 9
    assert len(pyogrio.read_dataframe(registry_url, layer="drains", bbox=box)) == 9
    assert reg.count(Query("drains")) == 200
    versions = conn.execute("SELECT count(*), min(version), max(version) FROM asset_versions "
                            "WHERE layer = 'drains'").fetchone()
    assert versions == (200, 1, 1)
    with pytest.raises(RecordErrors, match="already in the registry"):
        reg.add("drains", lattice.iloc[:1], Change(who="again"))


def test_a_released_connection_serves_the_next_request_thread(city: registry.Registry) -> None:
    """A web request's thread gives its connection back; the next thread answers with it."""
    from concurrent.futures import ThreadPoolExecutor

    def request() -> tuple[int, int]:
        count = city.count(Query("drains"))
        conn_id = id(city.storage.db.conn)
        city.release()
        return count, conn_id

    city.release()
    with ThreadPoolExecutor(max_workers=1) as first, ThreadPoolExecutor(max_workers=1) as second:
        one, two = first.submit(request).result(), second.submit(request).result()
    assert one[0] == two[0] == 200
    assert one[1] == two[1]


def test_blobs_decode_on_the_point_path_and_off_it() -> None:
    """Plain points are read as arrays; a missing, empty or other geometry (or a point GDAL
    wrote with an envelope) sends the whole column through the WKB reader, same answer."""
    points = [shapely.Point(114.5, 38.0), shapely.Point(114.6, 38.1)]
    blobs = encode(points, 4490)
    assert point_xy(blobs).tolist() == [[114.5, 38.0], [114.6, 38.1]]
    line = shapely.LineString([(114.5, 38.0), (114.6, 38.1)])
    with_envelope = encode([line], 4490)[0][:8] + bytes(32) + shapely.to_wkb(points[0])
    for mixed in ([*blobs, None], [*blobs, *encode([line], 4490)], [*blobs, with_envelope],
                  [*blobs, *encode([shapely.Point()], 4490)]):
        assert point_xy(mixed) is None
        decoded = decode(mixed)
        assert [g.wkt for g in decoded[:2]] == [p.wkt for p in points]
    assert decode([*blobs, None])[2] is None and decode([])[:].tolist() == []
