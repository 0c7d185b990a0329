"""The case pages in headless Chromium over the synthetic city with two October cases: the
list highlights the overdue one and its panel moves it on; the ranking page shows the
month, downloads its CSV and prints without its controls; the map reports a problem."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from browser.chromium import open_map, serving
from browser.city import build_city
from cases.casekit import late_and_on_time
from web.app import create_app
from open_access import OPEN

pytestmark = pytest.mark.browser

WEST_POINT, EAST_POINT = (114.49, 38.025), (114.51, 38.025)


@pytest.fixture(scope="module")
def cases_server(module_location: Callable[[], str]) -> Iterator[str]:
    location = module_location()
    build_city(location).close()
    late_and_on_time(location, WEST_POINT, EAST_POINT, "exposed_garbage")
    with serving(create_app({"REGISTRY": location, **OPEN})) as url:
        yield url


def test_case_list_highlights_overdue_and_moves_a_case(page: Any, cases_server: str) -> None:
    page.goto(f"{cases_server}/cases")
    overdue = page.locator("#cases tr.overdue")
    assert overdue.count() == 1
    assert "占道经营" in overdue.inner_text() and "超期" in overdue.inner_text()
    background = overdue.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert background == "rgb(253, 232, 230)"
    row = page.locator(f"#cases tr[data-id='{overdue.get_attribute('data-id')}']")
    row.click()
    panel = page.locator("#case-panel")
    panel.locator("h2").wait_for()
    assert "建北街道" in panel.inner_text() and "派遣 · 超期" in panel.inner_text()
    panel.locator("button[data-move='handle']").click()
    # A function, not an expression: Playwright evals expressions, which the page's CSP refuses.
    page.wait_for_function("() => document.querySelector('#case-panel .timeline li:last-child')"
                           "?.innerText.endsWith('· 处置')")
    assert "handle" not in panel.inner_text() and "dispatched" not in panel.inner_text()
    assert row.locator("td").nth(2).inner_text() == "处置"
    assert page.locator("#cases tr.overdue").count() == 0
    assert page.console_errors == []


def test_ranking_page_shows_downloads_and_prints(page: Any, cases_server: str) -> None:
    page.goto(f"{cases_server}/cases/ranking?month=2026-10&by=street")
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == 4  # every street office of the city, those without cases too
    cells = [[row.locator("td").nth(i).inner_text() for i in (0, 1, 3, 4, 5, 6, 10)]
             for row in rows.all()]
    # One due case each: listed, not ranked (fewer than rank_min_due = 3).
    assert cells[:2] == [["—", "中华北大街街道", "1", "1", "1", "1", "100.0%"],
                         ["—", "建北街道", "1", "1", "0", "0", "0.0%"]]
    assert [row[2:5] for row in cells[2:]] == [["0", "0", "0"], ["0", "0", "0"]]
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("排名,街道办事处,受理数")
    page.emulate_media(media="print")
    assert page.locator("form.filters").is_hidden() and page.locator("#shell").is_hidden()
    assert page.locator("#ranking").is_visible()
    assert page.console_errors == []


def test_report_from_the_map(page: Any, cases_server: str) -> None:
    open_map(page, f"{cases_server}/")
    page.locator("#report-problem").click()
    x, y = page.evaluate("([lon, lat]) => { const p = infracensusMap.project([lon, lat]);"
                         " return [p.x, p.y]; }", list(WEST_POINT))
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    form = page.locator("#report-form")
    form.locator("select[name='category']").select_option("bicycle_parking")
    form.locator("textarea").fill("单车堆放")
    form.locator("button[type='submit']").click()
    result = form.locator(".report-result")
    result.filter(has_text="已上报").wait_for()
    assert "非机动车乱停放" in result.inner_text() and "办事处" not in result.inner_text()
    assert page.evaluate("infracensusMap.getLayer('overdue-cases') !== undefined")
    assert page.console_errors == []
