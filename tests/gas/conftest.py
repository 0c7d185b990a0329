"""Fixtures of the gas tests: the hand-built networks of `gas_networks`, in fresh registries."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import registry
from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, build


@pytest.fixture()
def loop_city(tmp_path: Path) -> Callable[..., registry.Registry]:
    """Builds 甲小区 with its line valves in the given states (default: both open)."""
    def make(v1: str = "open", v2: str = "open") -> registry.Registry:
        return build(tmp_path / "loop.gpkg", LOOP_MAINS, buildings=LOOP_BUILDINGS,
                     line_valves={"V1": (0, 20, v1), "V2": (0, 60, v2)})
    return make


@pytest.fixture()
def city_factory(tmp_path: Path) -> Callable[..., registry.Registry]:
    """Builds a registry from mains (and valves, buildings) given as in `build`."""
    count = iter(range(1000))
    return lambda mains, **kw: build(tmp_path / f"city{next(count)}.gpkg", mains, **kw)
