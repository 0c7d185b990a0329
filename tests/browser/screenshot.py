"""Save a picture of the map page over a registry; ``docs/map.png`` is made this way::

    PYTHONPATH=tests .venv/bin/python -m browser.screenshot demo/city.gpkg docs/map.png [?lang=en]
"""
from __future__ import annotations

import sys
from pathlib import Path

from browser.chromium import VIEWPORT, chromium, open_map, serving
from web.app import create_app
from open_access import OPEN


def save_map_picture(registry: str | Path, picture: str | Path, query: str = "") -> None:
    """Serve `registry`, open its map page in headless Chromium and save what it shows."""
    with serving(create_app({"REGISTRY": str(registry), **OPEN})) as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_map(page, f"{url}/{query}")
        page.screenshot(path=str(picture))


if __name__ == "__main__":
    save_map_picture(*sys.argv[1:4])
