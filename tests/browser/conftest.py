"""Browser fixtures: the synthetic city served by a real server, and headless Chromium.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; never downloaded. Without it
the browser tests skip, which the suite's CI hook turns into failures.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest
from werkzeug.serving import make_server

from browser.city import build_city
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def city_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("city") / "city.gpkg"
    build_city(path).close()
    return path


@pytest.fixture(scope="session")
def live_server(city_path: Path) -> Iterator[str]:
    """The app on a free loopback port, served from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, create_app({"REGISTRY": str(city_path)}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt install chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, live_server: str) -> Iterator[object]:
    """A fresh page; ``page.console_errors`` collects every console error and page crash."""
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture()
def open_map(page, live_server: str) -> Callable[[str], object]:
    """Load the map page (with a query string) and wait for its first complete frame."""
    def load(query: str = "") -> object:
        page.goto(f"{live_server}/{query}")
        page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=30_000)
        return page
    return load
