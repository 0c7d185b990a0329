"""Bridges surveyed as points, centre-lines or outlines go into one layer, on both backends,
and the map's tiles and the OGC API serve them (issue 13, item 4)."""
from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import mapbox_vector_tile
import psycopg
import pytest

import registry
from importers.pipeline import import_survey
from registry import Query
from open_access import OPEN
from web.app import create_app

#: A footbridge as a point (an inventory of structures), a river bridge as its centre-line,
#: an underpass as its outline.
FEATURES = [
    ("QL-001", "中山路人行天桥", "天桥", 86.0, {"type": "Point", "coordinates": [114.51, 38.04]}),
    ("QL-002", "民心河桥", "跨河桥", 72.5, {"type": "LineString",
                                           "coordinates": [[114.52, 38.05], [114.5205, 38.05]]}),
    ("QL-003", "建设大街地下通道", "地下通道", 91.0, {"type": "Polygon", "coordinates": [[
        [114.53, 38.03], [114.5302, 38.03], [114.5302, 38.0301], [114.53, 38.0301],
        [114.53, 38.03]]]}),
]


@pytest.fixture
def bridges_file(tmp_path: Path) -> Path:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geometry,
         "properties": {"桥梁编号": sid, "桥名": name, "桥梁类型": kind, "BCI": bci}}
        for sid, name, kind, bci, geometry in FEATURES]}
    path = tmp_path / "桥梁普查.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_point_line_and_polygon_bridges_are_stored_as_surveyed(registry_url, bridges_file):
    reg = registry.create(registry_url, county="130102")
    report = import_survey(reg, bridges_file, "bridges", who="王工")
    assert (report.accepted, report.rejected) == (3, 0)
    frame = reg.query(Query("bridges")).set_index("source_id").sort_index()
    assert frame.geom_type.tolist() == ["Point", "LineString", "Polygon"]
    assert frame.loc["QL-001", "geometry"].coords[0] == (114.51, 38.04)
    assert frame["bridge_type"].tolist() == ["footbridge", "river", "underpass"]
    assert frame["condition_class"].tolist() == ["B", "C", "A"]
    assert frame.loc["QL-001", "gbt_code"].startswith("1301020205")
    assert declared_geometry_type(registry_url) == "GEOMETRY"


def declared_geometry_type(url: str) -> str:
    """What a GIS client reads as the bridges table's geometry type."""
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT type FROM geometry_columns "
                                "WHERE f_table_name = 'bridges'").fetchone()[0]
    conn = sqlite3.connect(url)
    try:
        return conn.execute("SELECT geometry_type_name FROM gpkg_geometry_columns "
                            "WHERE table_name = 'bridges'").fetchone()[0]
    finally:
        conn.close()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def test_the_map_tiles_and_ogc_api_serve_a_point_bridge(registry_url, bridges_file):
    reg = registry.create(registry_url, county="130102")
    import_survey(reg, bridges_file, "bridges", who="王工")
    client = create_app({"REGISTRY": registry_url, **OPEN}).test_client()
    z, x, y = tile_of(114.51, 38.04, 15)
    response = client.get(f"/tiles/bridges/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    features = mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True}
                                         )["bridges"]["features"]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    assert len(points) == 1 and points[0]["properties"]["condition_class"] == "B"
    items = client.get("/ogcapi/collections/bridges/items?f=json").get_json()
    kinds = {f["properties"]["name"]: f["geometry"]["type"] for f in items["features"]}
    assert kinds == {"中山路人行天桥": "Point", "民心河桥": "LineString", "建设大街地下通道": "Polygon"}
    style = client.get("/map/style.json").get_json()
    circle = [layer for layer in style["layers"] if layer["id"] == "bridges-circle"]
    assert circle and circle[0]["filter"][-1] == ["==", ["geometry-type"], "Point"]


def test_cambridge_bridge_outlines_and_a_point_inventory_share_the_layer(tmp_path, shared_data):
    reg = registry.create(tmp_path / "cambridge.gpkg", county="250017", metric_srid=26986,
                          extent=(-71.2, 42.3, -71.0, 42.5))
    outlines = import_survey(reg, shared_data / "cambridge_ma/BASEMAP_Bridges.geojson",
                             "bridges", who="王工")
    assert (outlines.accepted, outlines.rejected, outlines.duplicates) == (52, 0, 0)
    # Three of the crossings again, as an inventory of points on their outlines: new assets,
    # not duplicates (a point is never within 1 m *all along* of a 30 m outline).
    frame = reg.query(Query("bridges"))
    centres = frame.geometry.representative_point().head(3)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.x, p.y]},
         "properties": {"ID": f"P{i}", "TYPE": "RIVER BRIDGE"}} for i, p in enumerate(centres)]}
    path = tmp_path / "bridge_points.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    points = import_survey(reg, path, "bridges", who="王工")
    assert (points.accepted, points.rejected) == (3, 0)
    kinds = reg.query(Query("bridges")).geom_type.value_counts().to_dict()
    assert kinds == {"Polygon": 51, "MultiPolygon": 1, "Point": 3}


def test_a_repair_plan_and_its_crew_package_carry_a_point_bridge(tmp_path, bridges_file):
    from registry import Change
    from registry.plans import packages, planner

    reg = registry.create(tmp_path / "city.gpkg", county="130102")
    import_survey(reg, bridges_file, "bridges", who="王工")
    plan = planner.propose(reg, Query("bridges"), Change(who="王工"), crews=["一队"])
    assert plan["selected"] == 3
    package = packages.export(reg, planner.package_of(reg, plan["id"], "一队"), who="王工")
    kinds = sorted(f["geometry"]["type"] for f in package["features"])
    assert kinds == ["LineString", "Point", "Polygon"]
    point = next(f for f in package["features"] if f["geometry"]["type"] == "Point")
    assert list(point["geometry"]["coordinates"]) == [114.51, 38.04]
