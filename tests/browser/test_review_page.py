"""The review page in headless Chromium: the held records listed and on the map; one accepted
by its own button, the rest rejected together; an edit refused with the registry's reason."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

import registry
from browser.chromium import serving
from importers.pipeline import import_survey
from registry import Query
from open_access import OPEN
from web.app import create_app

pytestmark = pytest.mark.browser
SURVEY = ("编号,经度,纬度,井深\n"
          "YS1,114.500000,38.04,1.2\n"
          "YS2,114.500001,38.04,1.3\n"
          "YS3,114.520000,38.05,1.4\n"
          "YS4,114.520001,38.05,1.5\n"
          "YS5,114.530000,38.05,1.5\n"
          "YS6,114.530001,38.05,1.5\n")


@pytest.fixture
def review_server(new_location: Callable[[], str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    location = new_location()
    reg = registry.create(location, county="130102")
    survey = tmp_path / "收水井.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    import_survey(reg, survey, "drains", who="王工")
    reg.close()
    with serving(create_app({"REGISTRY": location, **OPEN})) as url:
        yield url, location


def stored_ids(location: str) -> list[str]:
    reg = registry.open(location)
    found = sorted(reg.query(Query("drains"))["source_id"])
    reg.close()
    return found


def rows_shown(page) -> list[str]:
    return page.locator("#items tbody tr td:nth-child(3)").all_inner_texts()


def test_a_data_manager_decides_the_queue_in_the_page(page, review_server) -> None:
    url, location = review_server
    page.goto(f"{url}/imports/review")
    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=30_000)
    assert page.title() == "导入待审核"
    assert rows_shown(page) == ["2", "4", "6"]
    assert page.inner_text("#count") == "3 条"
    first = page.locator("#items tbody tr").first
    assert "疑似重复" in first.inner_text() and "YS2" in first.inner_text()
    drawn = page.evaluate("infracensusReviewMap.querySourceFeatures('items').length")
    assert drawn >= 1
    # an edit the registry refuses: the reason is shown, nothing changes
    row4 = page.locator("#items tbody tr[data-row='4']")
    row4.locator("input.edits").fill("depth_m=0.01")
    row4.locator("button.edit").click()
    page.wait_for_selector("#error:not([hidden])")
    assert "below the minimum 0.2 m" in page.inner_text("#error")
    # accept one by its button
    page.locator("#items tbody tr[data-row='2'] button.accept").click()
    page.wait_for_function("() => document.querySelectorAll('#items tbody tr').length === 2")
    assert rows_shown(page) == ["4", "6"]
    # reject the rest together
    page.check("#select-all")
    page.click("#reject-selected")
    page.wait_for_selector("#empty:not([hidden])")
    assert stored_ids(location) == ["YS1", "YS2", "YS3", "YS5"]
    page.select_option("#status", "all")
    page.wait_for_function("() => document.querySelectorAll('#items tbody tr').length === 3")
    statuses = page.locator("#items tbody tr td:nth-child(10)").all_inner_texts()
    assert statuses == ["已接受", "已拒绝", "已拒绝"]
    # the browser logs the one refused edit's answer, and nothing else went wrong
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]


def test_the_page_fits_a_phone(browser, review_server) -> None:
    url, _ = review_server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(f"{url}/imports/review?lang=en")
    phone.wait_for_selector("#map[data-ready='true']", state="attached", timeout=30_000)
    assert phone.title() == "Import review"
    box = phone.locator("#map").bounding_box()
    assert box["width"] <= 390 and box["height"] > 200
    assert phone.locator("#items tbody tr").count() == 3
    context.close()
