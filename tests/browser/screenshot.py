"""Save pictures of the site's pages over a registry; ``docs/map.png`` and the phone pictures
are made this way::

    PYTHONPATH=tests .venv/bin/python -m browser.screenshot demo/city.gpkg docs/map.png [?lang=en] [phone]

With ``login.txt`` beside the registry (``infracensus demo`` writes it) the picture is taken
logged in, so the shell shows the user and role. ``phone`` takes it at 390 × 844.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from browser.chromium import VIEWPORT, chromium, open_map, serving
from web.app import create_app
from open_access import OPEN

PHONE = {"width": 390, "height": 844}


def save_map_picture(registry: str | Path, picture: str | Path, query: str = "",
                     size: str = "desktop", path: str = "/") -> None:
    """Serve `registry`, open a page (the map by default) in headless Chromium, save it."""
    with serving(create_app({"REGISTRY": str(registry)})) as url, chromium() as browser:
        phone = size == "phone"
        page = browser.new_page(viewport=PHONE if phone else VIEWPORT, is_mobile=phone,
                                has_touch=phone)
        _log_in(page, url, Path(registry).with_name("login.txt"))
        if path == "/":
            open_map(page, f"{url}/{query}")
        else:
            page.goto(f"{url}{path}{query}")
        page.screenshot(path=str(picture))


def _log_in(page: Any, url: str, login: Path) -> None:
    if not login.exists():
        return
    found = re.search(r"(\S+)\s+(?:/\s+)?(\S+)", login.read_text(encoding="utf-8"))
    if found:
        token = page.request.get(f"{url}/auth/session").json()["csrf_token"]
        page.request.post(f"{url}/auth/login", data={"user": found[1], "password": found[2]},
                          headers={"X-CSRF-Token": token})


if __name__ == "__main__":
    save_map_picture(*sys.argv[1:6])
