"""The gas dashboard in headless Chromium: loads without console errors, draws its charts and
the courtyard map (counted in pixels), shows the API's numbers, and traces a clicked main."""
from __future__ import annotations

import io
from typing import Any, Callable, Iterator

import numpy as np
import pytest
from PIL import Image

from browser.chromium import serving
from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, build, lonlat
from web.app import create_app
from open_access import OPEN

pytestmark = pytest.mark.browser
PENDING = "#d73027"


def colour_share(png: bytes, hex_colour: str, tolerance: int = 40) -> float:
    """Share of a screenshot's pixels near a colour (the fill is drawn slightly translucent)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return float((np.abs(pixels - target).max(axis=2) <= tolerance).mean())


@pytest.fixture(scope="module")
def gas_server(module_location: Callable[[], str]) -> Iterator[str]:
    location = module_location()
    build(location, LOOP_MAINS, buildings=LOOP_BUILDINGS,
          line_valves={"V1": (0, 20, "open"), "V2": (0, 60, "open")}).close()
    with serving(create_app({"REGISTRY": location, **OPEN})) as url:
        yield url


def open_dashboard(page: Any, url: str) -> Any:
    page.goto(url)
    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=30_000)
    return page


def test_dashboard_loads_in_chinese_and_shows_the_apis_numbers(page, gas_server):
    open_dashboard(page, f"{gas_server}/gas?year=2025")
    assert page.title() == "庭院燃气管道改造 · 自闭阀"
    scope = page.request.get(f"{gas_server}/api/gas/scope").json()
    progress = page.request.get(f"{gas_server}/api/gas/progress?year=2025").json()
    figure = lambda key: page.inner_text(f"[data-key='{key}']")  # noqa: E731
    assert float(figure("km_in_scope")) == scope["km_in_scope"]
    assert int(figure("valves_needed")) == progress["overall"]["valves_needed"] == 66
    bar = page.locator("#chart-risk rect").first
    assert bar.get_attribute("data-label") == "甲小区"
    assert float(bar.get_attribute("data-value")) == scope["courtyards"][0]["score"]
    assert page.locator("#chart-progress rect[data-value]").count() == 2
    assert page.console_errors == []


def test_the_map_draws_pending_courtyards(page, gas_server):
    open_dashboard(page, f"{gas_server}/gas")
    assert colour_share(page.locator("#map").screenshot(), PENDING) > 0.05
    assert page.inner_text("[data-state='pending']") == "1"


def test_clicking_a_main_traces_its_isolation(page, gas_server):
    open_dashboard(page, f"{gas_server}/gas?lang=en")
    lon, lat = lonlat(-20, 80)
    xy = page.evaluate("([lon, lat]) => window.infracensusGasMap.project([lon, lat])", [lon, lat])
    page.locator("#map canvas").click(position={"x": xy["x"], "y": xy["y"]})
    result = page.wait_for_selector("#trace-result[data-drawn='true']", timeout=30_000)
    assert result.inner_text() == ("Close 1 valve(s): 260 m of mains and 60 households lose gas")
    assert page.get_attribute("#trace-download", "href").endswith("f=geojson")
    assert page.inner_text("#trace-main").startswith("Gas main ")
    assert page.console_errors == []


def test_the_map_draws_the_mains_and_a_click_off_them_says_so(page, gas_server):
    open_dashboard(page, f"{gas_server}/gas")
    drawn = page.evaluate("() => infracensusGasMap.queryRenderedFeatures({ layers: ['mains-line'] }).length")
    assert drawn > 0
    page.locator("#map canvas").click(position={"x": 3, "y": 3})
    result = page.locator("#trace-result")
    result.wait_for(state="visible")
    assert result.inner_text() == "此处没有管道，请单击一条管道"
    assert page.console_errors == []
