"""The plan builder in headless Chromium: draw a selection, build a plan within a budget and
read the ordered list (then the plan page); the asset panel explains the risk score; the map
colours the selected layer by risk."""
from __future__ import annotations

import re

import pytest

from browser import city

pytestmark = pytest.mark.browser


def click_at(page, lon: float, lat: float) -> None:
    """Click the map where a lon/lat is drawn."""
    x, y = page.evaluate("([lon, lat]) => { const p = infracensusMap.project([lon, lat]);"
                         " return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def select_north_west_drains(page) -> None:
    """Box-select the 100 drains of the north-western grid."""
    page.locator("#select-layer").select_option("drains")
    page.get_by_role("button", name="框选").click()
    click_at(page, city.WEST + 0.0005, city.SOUTH + city.DLAT + 0.0005)
    click_at(page, city.WEST + city.DLON - 0.0005, city.SOUTH + 2 * city.DLAT - 0.0005)
    page.locator("#selection-summary").wait_for(state="visible")


def test_a_plan_from_a_selection_is_listed_riskiest_first(map_page, page):
    map_page()
    select_north_west_drains(page)
    page.locator("#plan-form input[name='budget_yuan']").fill("2000")
    page.get_by_role("button", name="按风险编制计划").click()
    items = page.locator("#plan-tasks li")
    items.first.wait_for()
    assert page.locator("#plan-summary").inner_text() == "5 工单 · 2000 元 · 95 未纳入"
    listed = items.all_inner_texts()
    scores = [float(text.split(" · ")[0]) for text in listed]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert all(text.endswith("· 清掏") for text in listed)  # the work in words, not "cleaning"
    page.get_by_role("link", name=re.compile("打开计划")).click()
    rows = page.locator("#tasks tbody tr")
    rows.first.wait_for()
    codes = [text.split(" · ")[1] for text in listed]
    assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(5)] == codes
    assert page.console_errors == []


def test_the_asset_panel_explains_the_risk_score(map_page, page):
    map_page()
    select_north_west_drains(page)
    page.locator("#selection-list li button").first.click()
    terms = page.locator("#panel .risk-terms")
    terms.wait_for()
    assert page.locator("#panel h3", has_text="风险评分").count() == 1
    assert terms.locator("tr[data-term='condition'] th").inner_text() == "状况"
    assert terms.locator("tr[data-term='main_road'] td").first.inner_text() == "中山路"
    assert page.console_errors == []


def test_colour_by_risk_draws_the_layer_scores(map_page, page):
    map_page()
    page.locator("#select-layer").select_option("drains")
    page.locator("#risk-colour").check()
    page.wait_for_function("() => infracensusMap.querySourceFeatures('risk').length >= 400")
    scored = page.evaluate("infracensusMap.querySourceFeatures('risk')"
                           ".every((f) => typeof f.properties.score === 'number')")
    assert scored and page.console_errors == []
