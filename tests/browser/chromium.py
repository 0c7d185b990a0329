"""Headless Chromium (Debian's, driven by Playwright) and a live app server, for the browser
tests and for pictures of the map.

>>> from web.app import create_app
>>> with serving(create_app({"REGISTRY": "city.gpkg"})) as url:  # doctest: +SKIP
...     print(url)
http://127.0.0.1:41235
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}


class _QuietHandler(WSGIRequestHandler):
    """Answers without a log line per request (a map page asks for hundreds of tiles)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, served from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium browser (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_map(page: Any, url: str) -> Any:
    """Load the map page at `url` and wait for its first complete frame."""
    page.goto(url)
    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=30_000)
    return page
