"""Fixtures for the storage contract: the same tests on every backend.

The tests run once per backend: `registry_url` (tests/conftest.py) is a fresh registry
location per test, a GeoPackage file or a database of the throw-away PostGIS server.
"""
from __future__ import annotations


import geopandas as gpd
import numpy as np
import pytest
import shapely

import registry
from registry import Change

#: Two responsibility grids side by side over central Shijiazhuang.
WEST = shapely.box(114.40, 38.00, 114.50, 38.10)
EAST = shapely.box(114.50, 38.00, 114.60, 38.10)
X0, Y0 = 114.4525, 38.0125


@pytest.fixture
def lattice() -> gpd.GeoDataFrame:
    """The drains of the `city` fixture, not yet added anywhere."""
    return lattice_drains()


@pytest.fixture
def origin() -> tuple[float, float]:
    """The south-west drain of the lattice."""
    return X0, Y0


@pytest.fixture
def city(registry_url: str) -> registry.Registry:
    """A registry with two grids and 200 drains on a regular lattice (known answers)."""
    reg = registry.create(registry_url, county="130102")
    grids = gpd.GeoDataFrame({"source_id": ["130102001", "130102002"],
                              "name": ["西网格", "东网格"]}, geometry=[WEST, EAST], crs=4490)
    reg.add("grids", grids, Change(who="setup"))
    reg.add("drains", lattice_drains(), Change(who="setup", source="import", ref="b0"))
    yield reg
    reg.close()


def lattice_drains() -> gpd.GeoDataFrame:
    """20 × 10 drains every 0.005° from (X0, Y0), ten columns in each grid; condition cycles
    1..5 by column, grate type alternates by column."""
    xs, ys = np.meshgrid(X0 + 0.005 * np.arange(20), Y0 + 0.005 * np.arange(10))
    n = xs.size
    return gpd.GeoDataFrame(
        {"source_id": [f"YS-{i:03d}" for i in range(n)],
         "condition": (np.arange(n) % 20) % 5 + 1,
         "install_year": 1990 + np.arange(n) % 30,
         "grate_type": np.where(np.arange(n) % 2 == 0, "flat", "vertical"),
         "depth_m": np.full(n, 1.5)},
        geometry=shapely.points(xs.ravel(), ys.ravel()), crs=4490)
