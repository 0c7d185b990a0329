"""The map page in headless Chromium: it loads cleanly, draws the layers (counted in the
screenshot's pixels), opens an asset's panel on click, and counts a drawn selection."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser


def colour_pixels(png: bytes, hex_colour: str, tolerance: int = 12) -> int:
    """How many pixels of a screenshot are within `tolerance` of a colour on every channel."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return int((np.abs(pixels - target).max(axis=2) <= tolerance).sum())


def test_page_loads_in_chinese_without_console_errors(open_map, page):
    open_map()
    assert page.title() == "城市部件普查 · 地图"
    assert "收水井" in page.inner_text("#layers")
    assert page.locator(".grid-label", has_text="建北街道").count() == 1
    assert page.console_errors == []


def test_page_speaks_english_when_asked(open_map, page):
    open_map("?lang=en")
    assert "Storm-drain inlets" in page.inner_text("#layers")
    assert page.console_errors == []


def test_layers_are_drawn_in_their_colours(open_map, page):
    open_map()
    shot = page.locator("#map").screenshot()
    assert colour_pixels(shot, "#1f78b4") > 500     # drains in good condition
    assert colour_pixels(shot, "#e31a1c") > 200     # poor drains (grade 4) and the class D bridge
    assert colour_pixels(shot, "#b10026") > 100     # grey cast-iron mains and the class E bridge


def test_hiding_a_layer_removes_its_pixels(open_map, page):
    open_map()
    page.locator("#layers input[name='drains']").uncheck()
    page.wait_for_timeout(500)
    assert colour_pixels(page.locator("#map").screenshot(), "#1f78b4") < 20
