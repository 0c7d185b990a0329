"""The case list at city scale in headless Chromium: 990 cases paged through on the server,
searched by case number, exported as filtered and reopened (CSV with the csv module, XLSX
with openpyxl) with codes as text and formulas neutralised; deadlines in Beijing time with the
time left, the yellow warning near the end and the red overdue state (browser clock set)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import openpyxl
import pytest

from browser.chromium import serving
from browser.city import build_city
from registry import Change
from registry.cases import Cases, Report
from open_access import OPEN
from web.app import create_app

pytestmark = pytest.mark.browser
CASES = 990
TRAP = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture(scope="module")
def many_cases(module_location: Callable[[], str]) -> Iterator[str]:
    """The synthetic city with 990 street-vending reports; the last one registered and
    dispatched (so its clock runs and it has a deadline) and described with a spreadsheet
    formula."""
    location = module_location()
    reg = build_city(location)
    cases = Cases(reg)
    for k in range(CASES):
        note = TRAP if k == CASES - 1 else f"摊位 {k}"
        case = cases.report(Report("street_vending", 114.481 + (k % 30) * 0.001,
                                   38.021 + (k // 30) * 0.0005, note), Change(who="巡查员"))
    cases.move(case.id, "register", Change(who="受理员"))
    cases.move(case.id, "dispatch", Change(who="派遣员"))
    reg.close()
    with serving(create_app({"REGISTRY": location, **OPEN})) as url:
        yield url


def test_paging_through_990_cases_shows_each_once(page: Any, many_cases: str) -> None:
    page.goto(f"{many_cases}/cases")
    assert page.inner_text("#case-count").startswith("990 件")
    seen: list[str] = []
    for number in range(1, 21):
        assert page.inner_text("#page-of") == f"第 {number} / 20 页"
        seen += page.eval_on_selector_all("#cases tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)")
        if number < 20:
            page.locator("#pages a[rel='next']").click()
            page.wait_for_load_state()
    assert len(seen) == CASES == len(set(seen))
    assert seen == sorted(seen, reverse=True)  # newest first
    assert page.locator("#pages a[rel='next']").count() == 0
    assert page.console_errors == []


def test_a_case_number_finds_its_case_and_sorting_turns_the_list(page: Any, many_cases: str) -> None:
    page.goto(f"{many_cases}/cases")
    newest = page.locator("#cases tbody tr[data-id]").first.get_attribute("data-id")
    oldest = page.request.get(f"{many_cases}/api/cases?sort=reported_at&order=asc&per_page=1").json()["cases"][0]["id"]
    page.fill("input[name='q']", oldest)
    page.locator("#case-filters button[type='submit']").click()
    page.wait_for_load_state()
    assert page.inner_text("#case-count").startswith("1 件")
    assert page.eval_on_selector_all("#cases tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)") == [oldest]
    page.goto(f"{many_cases}/cases")
    page.locator("#cases thead a", has_text="案件").click()  # sorted by number: newest first, then turned
    page.wait_for_load_state()
    first = page.locator("#cases tbody tr[data-id]").first.get_attribute("data-id")
    assert first in (newest, oldest)
    if first == newest:
        page.locator("#cases thead a", has_text="案件").click()
        page.wait_for_load_state()
    assert page.locator("#cases tbody tr[data-id]").first.get_attribute("data-id") == oldest


def test_the_filtered_list_exports_as_csv_and_excel_that_open_right(page: Any, many_cases: str) -> None:
    page.goto(f"{many_cases}/cases?state=dispatched")
    assert page.inner_text("#case-count").startswith("1 件")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    header, (row,) = rows[0], rows[1:]
    assert header[:3] == ["案件编号", "类别", "状态"]
    cell = dict(zip(header, row))
    assert cell["案件编号"].startswith('="') and cell["案件编号"][2:-1].isdigit()
    assert len(cell["案件编号"][2:-1]) == 12 and cell["状态"] == "派遣"
    assert cell["描述"] == "'" + TRAP                    # shown as text, never evaluated
    assert cell["时限"] == "2小时"
    reported = datetime.fromisoformat(cell["上报时间 (北京时间)"])  # "2026-12-08 10:05": local
    assert abs(reported - datetime.now(timezone(timedelta(hours=8))).replace(tzinfo=None)) < timedelta(hours=1)
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    header = [c.value for c in sheet[1]]
    number, description = sheet.cell(2, 1), sheet.cell(2, header.index("描述") + 1)
    assert number.data_type == "s" and number.value == cell["案件编号"][2:-1]
    assert description.data_type == "s" and description.value == "'" + TRAP


def test_deadlines_show_time_left_the_warning_and_overdue_in_beijing_time(page: Any, many_cases: str) -> None:
    found = page.request.get(f"{many_cases}/api/cases?state=dispatched").json()["cases"][0]
    start, due = (datetime.fromisoformat(found[k].replace("Z", "+00:00"))
                  for k in ("clock_started_at", "deadline"))
    span = due - start
    shown_due = due.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    deadline = page.locator(f"#cases tr[data-id='{found['id']}'] td").nth(6)
    for moment, state, words in ((start + span * 0.5, "ok", "剩余 "), (start + span * 0.9, "warning", "剩余 "),
                                 (due + timedelta(days=2, minutes=5), "overdue", "超期 2天")):
        page.clock.set_fixed_time(moment)
        page.goto(f"{many_cases}/cases?state=dispatched")
        assert deadline.locator("time").inner_text() == shown_due
        flag = deadline.locator(".deadline")
        assert flag.get_attribute("class") == f"deadline {state}"
        assert flag.inner_text().startswith(words) and "h" not in flag.inner_text()
    colour = flag.evaluate("n => getComputedStyle(n).backgroundColor")
    assert colour == "rgb(180, 35, 24)"  # red
    page.goto(f"{many_cases}/cases?state=dispatched&lang=en")
    assert flag.inner_text() == "overdue by 2 days"
    assert page.inner_text("#page-of") == "Page 1 of 1"
    assert page.console_errors == []
