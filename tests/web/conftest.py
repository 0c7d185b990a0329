"""Fixtures of the web tests: a small real registry around 114.51 E, 38.04 N, the app over it,
a test client and the same app served on a loopback port for real HTTP clients; and the app
over the synthetic city of `browser.city` for the map and tile tests.

Each registry is built once per test module and backend and only read by the tests; the
as-of moment ``city.before_repair`` sees drain 0 in condition 5, the present sees it
repaired (1).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import geopandas as gpd
import numpy as np
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import registry
from registry import Change
from browser.city import build_city as build_synthetic_city
from registry.change import iso, utc_now
from web.app import create_app
from open_access import OPEN

CENTRE = (114.51, 38.04)
#: Assets per layer: drains and lamp posts need several pages at the page sizes tested.
COUNTS = {"grids": 1, "drains": 230, "lamp_posts": 120, "gas_mains": 45, "bridges": 2,
          "safety_valves": 3}
WHO = Change(who="test")


@dataclass(frozen=True)
class City:
    """The test registry and the facts the tests check against."""

    url: str
    counts: dict[str, int]
    drains: gpd.GeoDataFrame
    repaired_drain: str
    before_repair: str


def _lattice(n: int, step: float = 0.0008) -> np.ndarray:
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x = CENTRE[0] - side * step / 2 + (i % side) * step
    y = CENTRE[1] - side * step / 2 + (i // side) * step
    return shapely.points(x, y)


def _cycle(values: list, n: int) -> list:
    return [values[i % len(values)] for i in range(n)]


def _drains(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "source_id": [f"YS{i:04d}" for i in range(n)],
        "grate_type": _cycle(["flat", "vertical", "combined"], n),
        "material": _cycle(["brick", "concrete", "plastic"], n),
        "depth_m": _cycle([1.2, None, 2.5, 0.8], n),
        "condition": _cycle([5, 4, 3, 2, 1], n),
        "road_name": _cycle(["中山路", "建设大街", "裕华路"], n),
        "install_year": _cycle([1998, 2006, 2015], n),
    }, geometry=_lattice(n), crs=4490)


def _lamp_posts(n: int) -> gpd.GeoDataFrame:
    points = shapely.transform(_lattice(n), lambda xy: xy + [0.0003, 0.0003])
    return gpd.GeoDataFrame({"lamp_type": _cycle(["LED", "HPS"], n),
                             "wattage_w": _cycle([60, 150, 250], n),
                             "condition": _cycle([1, 2, 3], n)}, geometry=points, crs=4490)


def _gas_mains(n: int) -> gpd.GeoDataFrame:
    starts = shapely.get_coordinates(_lattice(n, step=0.002))
    lines = [shapely.LineString([xy, xy + [0.0015, 0.0004], xy + [0.0018, 0.0012]])
             for xy in starts]
    return gpd.GeoDataFrame({"material": _cycle(["grey_cast_iron", "pe", "steel"], n),
                             "diameter_mm": _cycle([100, 160, 200], n),
                             "install_year": _cycle([1990, 2005, 2018], n),
                             "courtyard": _cycle(["联盟小区", "建华小区"], n),
                             "hazard_assessed": _cycle([True, False], n)},
                            geometry=lines, crs=4490)


def _others() -> dict[str, gpd.GeoDataFrame]:
    x, y = CENTRE
    return {
        "bridges": gpd.GeoDataFrame(
            {"name": ["民心河桥", "中华大街天桥"], "bridge_type": ["river", "footbridge"],
             "bci": [72.0, 91.5]},
            geometry=[shapely.box(x - 0.004, y - 0.001, x - 0.0035, y),
                      shapely.LineString([(x + 0.003, y), (x + 0.003, y + 0.0005)])], crs=4490),
        "safety_valves": gpd.GeoDataFrame(
            {"status": ["planned", "installed", "verified"], "courtyard": ["联盟小区"] * 3},
            geometry=shapely.points([x, x + 0.0001, x + 0.0002], [y + 0.001] * 3), crs=4490),
    }


def build_city(url: str) -> City:
    """Create the test registry at `url`."""
    reg = registry.create(url, county="130102")
    grid = gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
                            geometry=[shapely.box(114.45, 38.00, 114.57, 38.08)], crs=4490)
    reg.add("grids", grid, WHO)
    drains = reg.add("drains", _drains(COUNTS["drains"]), WHO)
    reg.add("lamp_posts", _lamp_posts(COUNTS["lamp_posts"]), WHO)
    reg.add("gas_mains", _gas_mains(COUNTS["gas_mains"]), WHO)
    for layer, frame in _others().items():
        reg.add(layer, frame, WHO)
    time.sleep(0.01)  # version timestamps have millisecond resolution
    before = iso(utc_now())
    time.sleep(0.01)
    repaired = drains["uuid"].iloc[0]
    reg.update(repaired, {"condition": 1}, change=Change(who="test", why="repaired"))
    reg.close()
    return City(url, COUNTS, drains, repaired, before)


@pytest.fixture(scope="module")
def city(module_location: Callable[[], str]) -> City:
    return build_city(module_location())


@pytest.fixture(scope="module")
def app(city: City) -> Flask:
    return create_app({"REGISTRY": city.url, "TESTING": True, **OPEN})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def city_app(module_location: Callable[[], str]) -> Flask:
    """The web app over a fresh synthetic city of `browser.city`."""
    url = module_location()
    build_synthetic_city(url).close()
    return create_app({"REGISTRY": url, **OPEN})


@pytest.fixture(scope="module")
def live_url(app: Flask) -> Iterator[str]:
    """Base URL of the app served by werkzeug in a background thread on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
