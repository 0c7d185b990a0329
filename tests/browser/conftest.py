"""Browser fixtures: the synthetic city served by a real server, and headless Chromium.

Every browser test runs once per storage backend (GeoPackage, PostGIS), as the HTTP tests do:
the page is the same, the registry behind the server differs.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; never downloaded. Without it
the browser tests skip, which the suite's CI hook turns into failures.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from browser.chromium import CHROMIUM, VIEWPORT, chromium, open_map, serving
from browser.city import build_city
from web.app import create_app
from open_access import OPEN


@pytest.fixture(scope="module")
def live_server(module_location: Callable[[], str]) -> Iterator[str]:
    """The synthetic city served over HTTP, on each storage backend in turn."""
    location = module_location()
    build_city(location).close()
    with serving(create_app({"REGISTRY": location, **OPEN})) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt install chromium")
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; ``page.console_errors`` collects every console error and page crash."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture()
def map_page(page: Any, live_server: str) -> Callable[[str], Any]:
    """Opens the map page (with a query string) and waits for its first complete frame."""
    return lambda query="": open_map(page, f"{live_server}/{query}")
