"""An inspector on a handheld terminal (390 × 844, touch, a fake position): the map fills the
screen, the tools fold into a bottom sheet, the zoom buttons leave 上报问题 free; a report is
placed by "use my location", warns of the open case of the same kind nearby, is filed, and
shows on the inspector's own list as a card."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from browser.chromium import open_map, serving
from browser.city import build_city
from registry import Change
from registry.cases import Cases, Report
from open_access import OPEN
from web.app import create_app

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
HERE = (114.49, 38.03)  # lon, lat: in 建北街道


@pytest.fixture(scope="module")
def phone_server(module_location: Callable[[], str]) -> Iterator[tuple[str, str]]:
    """The city with one open bicycle-parking case 20 m from where the inspector stands."""
    location = module_location()
    reg = build_city(location)
    earlier = Cases(reg).report(Report("bicycle_parking", HERE[0] + 0.0002, HERE[1] + 0.0001, "单车堆放"),
                                Change(who="另一位监督员"))
    reg.close()
    with serving(create_app({"REGISTRY": location, **OPEN})) as url:
        yield url, earlier.id


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  geolocation={"longitude": HERE[0], "latitude": HERE[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_map_fills_the_phone_and_the_tools_fold_away(phone: Any, phone_server) -> None:
    url, _ = phone_server
    open_map(phone, f"{url}/")
    page_map = box(phone, "#map")
    assert page_map["width"] == 390 and page_map["height"] > 780
    assert phone.locator("#sidebar-tools").is_hidden() and phone.locator("#nav").is_hidden()
    assert not overlaps(box(phone, "#report-problem"), box(phone, ".maplibregl-ctrl-zoom-in"))
    phone.get_by_role("button", name="搜索 · 图层 · 筛选").tap()
    assert phone.locator("#search-q").is_visible()
    assert box(phone, "#sidebar")["width"] == 390
    phone.locator("#nav-toggle").tap()
    assert phone.get_by_role("link", name="案件").is_visible()
    assert phone.console_errors == []


def test_reporting_from_my_location_warns_of_the_open_case_nearby(phone: Any, phone_server) -> None:
    url, earlier = phone_server
    open_map(phone, f"{url}/")
    phone.locator("#report-problem").tap()
    sheet = box(phone, "#report-sheet")
    assert sheet["x"] >= 0 and sheet["x"] + sheet["width"] <= 390 and sheet["width"] > 350
    phone.get_by_role("button", name="使用我的位置").tap()
    where = phone.locator(".report-where")
    where.filter(has_text="38.03000, 114.49000").wait_for()
    phone.locator("#report-pin").wait_for()
    form = phone.locator("#report-form")
    form.locator("select[name='category']").select_option("bicycle_parking")
    nearby = phone.locator(".report-nearby")
    nearby.locator(".near-open").wait_for()
    assert nearby.locator(".near-open").inner_text() == "附近已有同类案件，是否已有人上报? (1)"
    assert nearby.locator("li").get_attribute("data-id") == earlier
    assert "信息收集" in nearby.locator("li").inner_text()
    form.locator("select[name='category']").select_option("street_vending")
    nearby.locator(".none-near").wait_for()
    assert nearby.inner_text() == "附近没有同类未结案件"
    form_box = box(phone, "#report-form")
    assert form_box["width"] > 330 and form_box["x"] + form_box["width"] <= 390
    form.locator("textarea").fill("流动摊贩占道")
    form.locator("button[type='submit']").tap()
    result = form.locator(".report-result")
    result.filter(has_text="已上报").wait_for()
    assert "占道经营" in result.inner_text()
    case_id = result.inner_text().split("案件 ")[1].split(" ")[0]
    mine = phone.request.get(f"{url}/api/cases/{case_id}").json()
    assert (round(mine["lon"], 5), round(mine["lat"], 5)) == HERE
    assert phone.console_errors == []

    phone.get_by_role("link", name="我的上报").tap()
    phone.wait_for_url("**/cases/mine**")
    card = phone.locator(f"#cases tr[data-id='{case_id}']")
    assert "信息收集" in card.inner_text() and "占道经营" in card.inner_text()
    assert phone.locator(f"#cases tr[data-id='{earlier}']").count() == 0  # someone else's
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert phone.console_errors == []


def test_the_case_list_is_cards_that_fit_the_phone(phone: Any, phone_server) -> None:
    url, earlier = phone_server
    phone.goto(f"{url}/cases")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    card = phone.locator(f"#cases tr[data-id='{earlier}']")
    assert box(phone, f"#cases tr[data-id='{earlier}']")["width"] <= 390
    card.tap()
    panel = phone.locator("#case-panel")
    panel.locator("h2").wait_for()
    assert panel.bounding_box()["width"] <= 390
    assert phone.console_errors == []


def test_a_report_made_without_signal_waits_on_the_device_and_goes_when_back(phone: Any, phone_server) -> None:
    url, _ = phone_server
    open_map(phone, f"{url}/")
    before = phone.request.get(f"{url}/api/cases?category=road_not_clean").json()["count"]
    phone.context.set_offline(True)
    phone.locator("#report-problem").tap()
    phone.get_by_role("button", name="使用我的位置").tap()
    phone.locator("#report-pin").wait_for()
    form = phone.locator("#report-form")
    form.locator("select[name='category']").select_option("road_not_clean")
    form.locator("textarea").fill("路面有油污")
    form.locator("button[type='submit']").tap()
    form.locator(".report-result", has_text="已保存在本机").wait_for()
    phone.locator(".report-nearby", has_text="没有网络，无法查看附近案件").wait_for()
    phone.locator("#outbox", has_text="待发送 1").wait_for()
    assert phone.request.get(f"{url}/api/cases?category=road_not_clean").json()["count"] == before
    phone.context.set_offline(False)
    phone.locator("#outbox").wait_for(state="hidden", timeout=30_000)
    sent = phone.request.get(f"{url}/api/cases?category=road_not_clean").json()
    assert sent["count"] == before + 1
    case = sent["cases"][0]
    assert case["description"].startswith("路面有油污 〔离线记录于 ")
    assert (round(case["lon"], 5), round(case["lat"], 5)) == HERE
