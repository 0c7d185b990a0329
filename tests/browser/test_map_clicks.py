"""Every asset answers a click: one asset of every layer of the synthetic city, clicked where
the map draws it, opens its own panel; a cluster (far out) zooms in until its drains can be
clicked one by one; the survey's own columns show when the asset carries them."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest

from browser import city
from browser.chromium import open_map, serving
from browser.city import build_city
from open_access import OPEN
from web.app import create_app

pytestmark = pytest.mark.browser

W, S = city.WEST, city.SOUTH
#: layer → (lon, lat of one of its assets, its survey id, a field and the value the panel shows)
ONE_OF_EACH = {
    "drains": ((W + 0.009, S + 0.0081), "YS0084", "depth_m", "1.5"),
    "lamp_posts": ((W + 0.0023, S + city.DLAT * 1.03), "LD001", "lamp_type", "LED灯"),
    "safety_valves": ((W + city.DLON + 0.003, S + city.DLAT * 1.6), "ZB01", "status", "已安装"),
    "gas_mains": ((W + 0.01, S + 0.003), "RQ00", "material", "灰口铸铁"),
    "bridges": ((W + city.DLON + 0.006, S + 0.0127), "QL1", "bridge_type", "跨河桥"),
}


def zoom_to(page: Any, lon: float, lat: float, zoom: float) -> None:
    page.evaluate("([lon, lat, zoom]) => infracensusMap.jumpTo({ center: [lon, lat], zoom })",
                  [lon, lat, zoom])
    page.wait_for_function("() => infracensusMap.loaded() && infracensusMap.areTilesLoaded()")


def click_at(page: Any, lon: float, lat: float) -> None:
    x, y = page.evaluate("([lon, lat]) => { const p = infracensusMap.project([lon, lat]);"
                         " return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.mark.parametrize("layer", list(ONE_OF_EACH))
def test_clicking_an_asset_of_each_layer_opens_its_panel(map_page, page, layer):
    (lon, lat), source_id, field, shown = ONE_OF_EACH[layer]
    map_page()
    zoom_to(page, lon, lat, 17)
    click_at(page, lon, lat)
    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    title = page.evaluate(f"JSON.parse(document.getElementById('map-config').textContent)"
                          f".layers.find((l) => l.name === '{layer}').title")
    assert panel.get_attribute("data-layer") == layer
    assert panel.locator("h2").inner_text().startswith(f"{title} · ")
    assert panel.locator("tr[data-field='source_id'] td").inner_text() == source_id
    assert panel.locator(f"tr[data-field='{field}'] td").inner_text() == shown
    assert panel.locator(".source-attributes").count() == 0  # none delivered, none shown
    assert page.console_errors == []


@pytest.fixture(scope="module")
def clustering_server(module_location: Callable[[], str]) -> Iterator[str]:
    """The city served with tiles of more than 50 assets sent as clusters."""
    location = module_location()
    build_city(location).close()
    with serving(create_app({"REGISTRY": location, "TILE_MAX_FEATURES": 50, **OPEN})) as url:
        yield url


def test_a_cluster_zooms_in_until_its_drains_open(page, clustering_server):
    lon, lat = ONE_OF_EACH["drains"][0]
    open_map(page, f"{clustering_server}/#14/{lat}/{lon}")
    clusters = page.evaluate("() => infracensusMap.queryRenderedFeatures({ layers: ['drains-cluster'] }).length")
    assert clusters > 0
    for _ in range(3):  # a click on a cluster zooms in by 2
        if page.evaluate("() => infracensusMap.queryRenderedFeatures({ layers: ['drains-cluster'] }).length") == 0:
            break
        before = page.evaluate("() => infracensusMap.getZoom()")
        x, y = page.evaluate("() => { const [f] = infracensusMap.queryRenderedFeatures({ layers: ['drains-cluster'] });"
                             " const p = infracensusMap.project(f.geometry.coordinates); return [p.x, p.y]; }")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_function(f"() => infracensusMap.getZoom() > {before} + 1.9 && !infracensusMap.isMoving()")
        page.wait_for_function("() => infracensusMap.loaded() && infracensusMap.areTilesLoaded()")
        assert page.locator("#panel").is_hidden()
    zoom_to(page, lon, lat, page.evaluate("() => infracensusMap.getZoom()"))
    click_at(page, lon, lat)
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel tr[data-field='source_id'] td").inner_text() == "YS0084"
    assert page.console_errors == []


def test_the_surveys_own_columns_show_when_the_asset_carries_them(map_page, page):
    """``source_attributes`` is added to the real answer here until the importer stores it."""
    def with_source(route: Any) -> None:
        answer = route.fetch()
        body = answer.json() | {"source_attributes": {"JBH": "YS-84", "CZ": "砖", "SD": 1.5}}
        route.fulfill(response=answer, body=json.dumps(body, ensure_ascii=False))
    page.route("**/api/assets/*", with_source)
    (lon, lat), *_ = ONE_OF_EACH["drains"]
    map_page()
    zoom_to(page, lon, lat, 17)
    click_at(page, lon, lat)
    details = page.locator("#panel .source-attributes")
    details.wait_for(state="attached")
    assert details.locator("summary").inner_text() == "原始属性 Source attributes"
    assert not details.locator("table").is_visible()  # collapsed until asked for
    details.locator("summary").click()
    rows = details.locator("tr")
    assert [[c.inner_text() for c in r.locator("th, td").all()] for r in rows.all()] == [
        ["JBH", "YS-84"], ["CZ", "砖"], ["SD", "1.5"]]


def test_road_and_courtyard_names_orient_at_street_level(map_page, page):
    map_page()
    assert page.locator(".place-label").count() == 0  # the whole city: grid names only
    places = page.evaluate("() => fetch('/api/places').then((r) => r.json())")
    assert {(p["kind"], p["name"]) for p in places} == {
        ("road", "中山路"), ("courtyard", "怀特小区"), ("courtyard", "联盟小区")}
    for place in places:
        zoom_to(page, place["lon"], place["lat"], 16)
        page.locator(f".place-label.{place['kind']}", has_text=place["name"]).wait_for()
    assert page.console_errors == []
