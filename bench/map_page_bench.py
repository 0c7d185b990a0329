"""The map page in headless Chromium (issue 15, "fast to draw"): how long the default view
takes to be fully drawn on a cold and on a warm server, and how long a search takes to answer
while the map is loading the tiles of a new view.

    PYTHONPATH=tests:. python -m bench.map_page_bench demo/city.gpkg

The server is the app under werkzeug's threaded server in this process (as the browser
tests serve it); the page is "drawn" when it sets ``#map[data-ready]`` (its first idle frame).
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from browser.chromium import VIEWPORT, chromium, serving
from web.app import create_app

WARM_RUNS = 3
#: Searched for while tiles load: a road name the demo's drains carry.
SEARCH = "中山"


def drawn_in(browser: Any, url: str) -> float:
    """Seconds from opening the map page to its first complete frame (fresh browser cache)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(f"{url}/")
    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=120_000)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


def search_while_loading(browser: Any, url: str) -> tuple[float, int]:
    """Milliseconds a search takes when sent right after jumping to an unseen street-level
    view, and how many tile requests were outstanding when it was sent."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{url}/")
    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=120_000)
    pending: set[str] = set()
    page.on("request", lambda r: "/tiles/" in r.url and pending.add(r.url))
    page.on("requestfinished", lambda r: pending.discard(r.url))
    page.on("requestfailed", lambda r: pending.discard(r.url))
    page.evaluate("() => { const b = infracensusMap.getBounds();"
                  " infracensusMap.jumpTo({ center: [b.getEast() - 0.01, b.getSouth() + 0.01], zoom: 17 }); }")
    for _ in range(100):  # until the new view's tiles are on their way
        if pending:
            break
        page.wait_for_timeout(20)
    outstanding = len(pending)
    took = page.evaluate("async (q) => { const t = performance.now();"
                         " await fetch(`/api/search?q=${encodeURIComponent(q)}`, { priority: 'high' }).then((r) => r.json());"
                         " return performance.now() - t; }", SEARCH)
    context.close()
    return took, outstanding


def main(registry: str) -> None:
    with serving(create_app({"REGISTRY": registry})) as url, chromium() as browser:
        cold = drawn_in(browser, url)
        warm = [drawn_in(browser, url) for _ in range(WARM_RUNS)]
        search_ms, outstanding = search_while_loading(browser, url)
    print(f"default view drawn, cold server: {cold:.1f} s")
    print(f"default view drawn, warm server: median {statistics.median(warm):.1f} s "
          f"of {', '.join(f'{w:.1f}' for w in warm)}")
    print(f"search while {outstanding} tile requests were outstanding: {search_ms:.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1])
