"""The map's JSON: the asset panel, search, grids, selections and their exports."""
from __future__ import annotations

import orjson
import pyogrio
import pytest

from browser import city

NORTH_WEST_GRID = {"type": "Polygon", "coordinates": [[
    [city.WEST, city.SOUTH + city.DLAT], [city.WEST + city.DLON, city.SOUTH + city.DLAT],
    [city.WEST + city.DLON, city.SOUTH + 2 * city.DLAT], [city.WEST, city.SOUTH + 2 * city.DLAT],
    [city.WEST, city.SOUTH + city.DLAT]]]}
ACROSS_THE_MAINS = {"type": "LineString", "coordinates": [[city.WEST + 0.01, city.SOUTH],
                                                          [city.WEST + 0.01, city.SOUTH + 0.034]]}


def uuid_of(client, q: str) -> str:
    hits = client.get("/api/search", query_string={"q": q}).json
    return hits[0]["uuid"]


def panel(client, source_id: str, lang: str = "zh") -> tuple[dict, dict]:
    """The panel of the asset with a survey id, and its rows as {field: (label, value)}."""
    body = client.get(f"/api/assets/{uuid_of(client, source_id)}?lang={lang}").json
    return body, {row["name"]: (row["label"], row["value"]) for row in body["attributes"]}


def test_the_panel_shows_labelled_attributes_with_units(city_app):
    body, rows = panel(city_app.test_client(), "YS0007")
    assert body["title"] == "收水井 · 1301020104000008"
    assert rows["depth_m"] == ("井深 (m)", "1.5")
    assert rows["material"] == ("井体材质", "混凝土")
    assert rows["condition"] == ("状况等级", "3")
    assert rows["state"] == ("部件状态", "未知")  # the test city gives no state: none invented
    assert rows["grid_code"] == ("责任网格", "建北街道 (130102001)")
    assert body["export"].startswith("/api/export?layer=drains&ids=")


def test_the_panel_speaks_english_when_asked(city_app):
    body, rows = panel(city_app.test_client(), "RQ00", "en")
    assert body["title"] == "Courtyard gas mains · 1301020150000001"
    assert rows["material"] == ("Material", "Grey cast iron")
    assert rows["diameter_mm"] == ("Diameter (mm)", "100")


def test_the_timeline_lists_versions_and_maintenance_events_newest_first(city_app):
    import registry
    client = city_app.test_client()
    uuid = uuid_of(client, "LD003")
    reg = registry.open(city_app.config["REGISTRY"])
    reg.record_event(uuid, registry.MaintenanceEvent(kind="repair", date="2099-01-02", crew="二队",
                                                     condition_before=2, condition_after=4),
                     registry.Change(who="王工", why="灯杆倾斜"))
    reg.close()
    timeline = client.get(f"/api/assets/{uuid}").json["timeline"]
    assert timeline[0] == {"kind": "event", "at": "2099-01-02", "text": "维修 · 二队 · 2 → 4"}
    texts = [entry["text"] for entry in timeline]
    assert "版本 2 · 修改 · 王工 · 灯杆倾斜 · 状况等级: 2 → 4" in texts
    assert texts[-1] == "版本 1 · 登记 · 测试 · synthetic city"


def test_an_unknown_asset_is_a_404_problem(city_app):
    response = city_app.test_client().get("/api/assets/no-such-asset")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_search_finds_codes_survey_ids_and_names(city_app):
    client = city_app.test_client()
    by_code = client.get("/api/search", query_string={"q": "1301020208"}).json
    assert sorted(h["label"] for h in by_code) == ["桥梁 · 民心河桥 · 1301020208000001",
                                                   "桥梁 · 胜利桥 · 1301020208000002"]
    by_courtyard = client.get("/api/search", query_string={"q": "联盟"}).json
    assert {h["layer"] for h in by_courtyard} == {"gas_mains"} and len(by_courtyard) == 6
    assert client.get("/api/search", query_string={"q": "不存在"}).json == []
    assert client.get("/api/search").status_code == 400


def test_grids_come_with_names_and_label_points(city_app):
    grids = city_app.test_client().get("/api/grids").json
    assert [g["name"] for g in grids] == city.GRID_NAMES
    assert city.WEST < grids[0]["lon"] < city.WEST + city.DLON


def select(client, **body) -> dict:
    response = client.post("/api/select", json=body)
    assert response.status_code == 200, response.json
    return response.json


def test_a_drawn_polygon_selects_the_drains_inside(city_app):
    body = select(city_app.test_client(), layer="drains", geometry=NORTH_WEST_GRID)
    assert body["count"] == 100 and len(body["features"]) == 100
    assert body["length_km"] is None


def test_a_buffer_around_a_line_selects_mains_and_sums_their_km(city_app):
    client = city_app.test_client()
    body = select(client, layer="gas_mains", geometry=ACROSS_THE_MAINS, buffer_m=50)
    assert body["count"] == 12
    assert body["length_km"] == pytest.approx(12 * 0.8775, abs=0.01)
    narrow = {"type": "LineString", "coordinates": [[city.WEST, city.SOUTH + 0.0035],
                                                    [city.WEST + 0.003, city.SOUTH + 0.0035]]}
    # 0.0005° of latitude (~55 m) south of the line and ~175 m west of the main's end.
    assert select(client, layer="gas_mains", geometry=narrow, buffer_m=50)["count"] == 0
    assert select(client, layer="gas_mains", geometry=narrow, buffer_m=200)["count"] == 1


def test_a_grid_selects_its_assets_and_filters_apply(city_app):
    client = city_app.test_client()
    assert select(client, layer="drains", grid="130102001")["count"] == 100
    assert select(client, layer="drains", grid="130102001", condition="4")["count"] == 40
    assert select(client, layer="bridges", geometry=NORTH_WEST_GRID, condition=4)["count"] == 0


@pytest.mark.parametrize("body, detail", [
    ({"layer": "drains"}, "a selection needs a drawn geometry, a grid or ids"),
    ({"layer": "drains", "geometry": {"type": "Polygon"}}, "geometry must be a GeoJSON geometry in lon/lat"),
    ({"layer": "drains", "geometry": ACROSS_THE_MAINS, "buffer_m": -5}, "buffer_m must be between 0 and 5000, got -5.0"),
    ({"layer": "wells", "grid": "130102001"}, "unknown layer 'wells'; layers: bridges, drains, gas_mains, grids, lamp_posts, safety_valves"),
])
def test_a_bad_selection_is_a_4xx_problem(city_app, body, detail):
    response = city_app.test_client().post("/api/select", json=body)
    assert response.status_code in (400, 404)
    assert response.json["detail"] == detail


def export(client, fmt: str, **args) -> bytes:
    response = client.get("/api/export", query_string={**args, "format": fmt})
    assert response.status_code == 200, response.data
    return response.data


def test_exports_hold_the_selection_in_every_format(city_app, tmp_path):
    client = city_app.test_client()
    args = {"layer": "gas_mains", "geometry": orjson.dumps(ACROSS_THE_MAINS).decode(),
            "buffer_m": "50", "material": "pe"}
    geojson = orjson.loads(export(client, "geojson", **args))
    assert len(geojson["features"]) == 3
    assert {f["properties"]["material"] for f in geojson["features"]} == {"pe"}
    csv = export(client, "csv", **args)
    assert csv.startswith("\ufeff".encode())
    lines = csv.decode("utf-8-sig").splitlines()
    assert len(lines) == 4 and lines[0].endswith(",wkt") and "LINESTRING" in lines[1]
    (tmp_path / "mains.gpkg").write_bytes(export(client, "gpkg", **args))
    frame = pyogrio.read_dataframe(tmp_path / "mains.gpkg")
    assert len(frame) == 3 and set(frame["courtyard"]) <= {"怀特小区", "联盟小区"}


def test_an_unknown_export_format_is_a_400_problem(city_app):
    response = city_app.test_client().get("/api/export", query_string={
        "layer": "drains", "grid": "130102001", "format": "shp"})
    assert response.status_code == 400
    assert response.json["detail"] == "format must be one of geojson, csv, gpkg, got 'shp'"
