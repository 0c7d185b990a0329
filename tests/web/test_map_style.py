"""The map page, its style generated from the layer files, and MapLibre served locally."""
from __future__ import annotations

from browser.city import build_city
from web.app import create_app
from open_access import OPEN


def style_layer(style: dict, layer_id: str) -> dict:
    return next(layer for layer in style["layers"] if layer["id"] == layer_id)


def test_colours_come_from_the_layer_files(city_app):
    style = city_app.test_client().get("/map/style.json").json
    assert style_layer(style, "bridges-fill")["paint"]["fill-color"] == [
        "match", ["get", "condition_class"], "D", "#e31a1c", "E", "#b10026", "#6a3d9a"]
    assert style_layer(style, "gas_mains-line")["paint"]["line-color"] == [
        "match", ["get", "material"], "grey_cast_iron", "#b10026", "ductile_iron", "#fc4e2a",
        "steel", "#636363", "pe", "#fdae6b", "#e6550d"]
    assert style_layer(style, "drains-circle")["paint"]["circle-color"] == [
        "match", ["get", "condition"], 4, "#e31a1c", 5, "#99000d", "#1f78b4"]
    assert style_layer(style, "grids-line")["paint"]["line-dasharray"] == [3, 2]


def test_every_layer_reads_its_own_tiles_from_this_server(city_app):
    style = city_app.test_client().get("/map/style.json").json
    assert style["sources"]["drains"]["tiles"] == ["http://localhost/tiles/drains/{z}/{x}/{y}.mvt"]
    assert "glyphs" not in style                   # no text layers: nothing to fetch offline
    assert not any(layer["type"] == "symbol" for layer in style["layers"])


def test_no_base_map_unless_one_is_configured(city_app, registry_url):
    plain = city_app.test_client().get("/map/style.json").json
    assert "basemap" not in plain["sources"]
    assert style_layer(plain, "background")["paint"]["background-color"] == "#f4f3ef"
    build_city(registry_url).close()
    url = "http://t0.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"
    app = create_app({"REGISTRY": registry_url, "BASEMAP_URL": url, "BASEMAP_ATTRIBUTION": "天地图", **OPEN})
    styled = app.test_client().get("/map/style.json").json
    assert styled["sources"]["basemap"] == {"type": "raster", "tiles": [url], "tileSize": 256,
                                            "attribution": "天地图"}
    assert [layer["id"] for layer in styled["layers"]][:2] == ["background", "basemap"]


def test_the_page_is_chinese_by_default_and_english_on_request(city_app):
    client = city_app.test_client()
    chinese = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese and "城市部件普查 · 地图" in chinese
    assert "桥梁" in chinese and "灰口铸铁" in chinese
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Infrastructure census · map" in english and "Courtyard gas mains" in english


def test_the_page_loads_nothing_from_elsewhere(city_app):
    page = city_app.test_client().get("/").get_data(as_text=True)
    assert "/vendor/maplibre/maplibre-gl.js" in page
    assert "http://" not in page and "https://" not in page


def test_maplibre_is_served_from_its_package_and_nothing_else_is(city_app):
    client = city_app.test_client()
    script = client.get("/vendor/maplibre/maplibre-gl.js")
    assert script.status_code == 200 and b"MapLibre GL JS" in script.data[:200]
    script.close()
    assert client.get("/vendor/maplibre/ipywidget.js").status_code == 404
    assert client.get("/vendor/maplibre/..%2F__init__.py").status_code == 404
