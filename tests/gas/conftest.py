"""Fixtures of the gas tests: the hand-built networks of `gas_networks`, in fresh registries."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import registry
from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, build


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def new_location(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str | Path]:
    """Where each new registry of a test goes: GeoPackage files, or PostGIS databases."""
    if request.param == "postgis":
        return request.getfixturevalue("postgis_urls")
    count = iter(range(1000))
    return lambda: tmp_path / f"city{next(count)}.gpkg"


@pytest.fixture()
def loop_city(new_location: Callable[[], str | Path]) -> Callable[..., registry.Registry]:
    """Builds 甲小区 with its line valves in the given states (default: both open)."""
    def make(v1: str = "open", v2: str = "open") -> registry.Registry:
        return build(new_location(), LOOP_MAINS, buildings=LOOP_BUILDINGS,
                     line_valves={"V1": (0, 20, v1), "V2": (0, 60, v2)})
    return make


@pytest.fixture()
def city_factory(new_location: Callable[[], str | Path]) -> Callable[..., registry.Registry]:
    """Builds a registry from mains (and valves, buildings) given as in `build`."""
    return lambda mains, **kw: build(new_location(), mains, **kw)
