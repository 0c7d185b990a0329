"""The map page in headless Chromium: it loads cleanly, draws the layers (counted in the
screenshot's pixels), opens an asset's panel on click, and counts a drawn selection."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from browser import city

pytestmark = pytest.mark.browser


def colour_pixels(png: bytes, hex_colour: str, tolerance: int = 12) -> int:
    """How many pixels of a screenshot are within `tolerance` of a colour on every channel."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return int((np.abs(pixels - target).max(axis=2) <= tolerance).sum())


def test_page_loads_in_chinese_without_console_errors(map_page, page):
    map_page()
    assert page.title() == "城市部件普查 · 地图"
    assert "收水井" in page.inner_text("#layers")
    assert page.locator(".grid-label", has_text="建北街道").count() == 1
    assert page.console_errors == []


def test_page_speaks_english_when_asked(map_page, page):
    map_page("?lang=en")
    assert "Storm-drain inlets" in page.inner_text("#layers")
    assert page.console_errors == []


def test_layers_are_drawn_in_their_colours(map_page, page):
    map_page()
    shot = page.locator("#map").screenshot()
    assert colour_pixels(shot, "#1f78b4") > 500     # drains in good condition
    assert colour_pixels(shot, "#e31a1c") > 200     # poor drains (grade 4) and the class D bridge
    assert colour_pixels(shot, "#b10026") > 100     # grey cast-iron mains and the class E bridge


def test_hiding_a_layer_removes_its_pixels(map_page, page):
    map_page()
    page.locator("#layers input[name='drains']").uncheck()
    page.wait_for_timeout(500)
    assert colour_pixels(page.locator("#map").screenshot(), "#1f78b4") < 20


def click_at(page, lon: float, lat: float, double: bool = False) -> None:
    """Click the map where a lon/lat is drawn."""
    x, y = page.evaluate("([lon, lat]) => { const p = infracensusMap.project([lon, lat]);"
                         " return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#map").bounding_box()
    where = (box["x"] + x, box["y"] + y)
    page.mouse.dblclick(*where) if double else page.mouse.click(*where)


def test_clicking_a_bridge_opens_its_panel(map_page, page):
    map_page()
    click_at(page, city.WEST + city.DLON + 0.014, city.SOUTH + 0.0127)
    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    assert panel.locator("h2").inner_text() == "桥梁 · 胜利桥"
    assert panel.locator("tr[data-field='condition_class'] td").inner_text() == "E"
    assert panel.locator("tr[data-field='bci'] td").inner_text() == "40.0"
    assert panel.locator("tr[data-field='gbt_code'] td").inner_text() == "1301020208000002 (跨河桥)"
    assert panel.locator("tr[data-field='grid_code'] td").inner_text() == "中华北大街街道 (130102002)"
    assert "版本 1 · 登记 · 测试" in panel.locator(".timeline").inner_text()
    assert page.console_errors == []


def test_a_drawn_box_selects_and_counts_the_drains_inside(map_page, page):
    map_page()
    page.locator("#select-layer").select_option("drains")
    page.get_by_role("button", name="框选").click()
    click_at(page, city.WEST + 0.0005, city.SOUTH + city.DLAT + 0.0005)
    click_at(page, city.WEST + city.DLON - 0.0005, city.SOUTH + 2 * city.DLAT - 0.0005)
    summary = page.locator("#selection-summary")
    summary.wait_for(state="visible")
    assert summary.inner_text() == "已选 100 个"
    assert page.locator("#selection-list li").count() == 100
    assert page.locator("#panel").is_hidden()  # the click closing the box opened no asset


def test_a_buffered_line_selects_the_mains_it_crosses_with_their_length(map_page, page):
    map_page()
    page.locator("#select-layer").select_option("gas_mains")
    page.get_by_role("button", name="沿线缓冲").click()
    click_at(page, city.WEST + 0.01, city.SOUTH + 0.001)
    click_at(page, city.WEST + 0.01, city.SOUTH + 0.034, double=True)
    summary = page.locator("#selection-summary")
    summary.wait_for(state="visible")
    assert summary.inner_text() == "已选 12 个 · 总长度 10.54 公里"
    links = page.locator("#selection-export a")
    assert links.all_inner_texts() == ["GEOJSON", "CSV", "GPKG"]


def test_a_condition_filter_leaves_only_the_poorest_drains(map_page, page):
    map_page()
    page.locator("#filters select[name='condition']").select_option("5")
    page.locator("#filters button[type='submit']").click()
    page.wait_for_function("() => infracensusMap.loaded() && infracensusMap.areTilesLoaded()")
    page.wait_for_timeout(500)
    shot = page.locator("#map").screenshot()
    assert colour_pixels(shot, "#1f78b4") < 20       # no drain of grade 1–3 is left
    assert colour_pixels(shot, "#99000d") > 200      # the grade-5 drains are


def test_searching_a_survey_id_opens_the_asset(map_page, page):
    map_page()
    page.locator("#search-q").fill("QL2")
    page.locator("#search button").click()
    page.get_by_role("button", name="桥梁 · 和平路天桥 · 1301020205000001").click()
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel tr[data-field='condition_class'] td").inner_text() == "D"
