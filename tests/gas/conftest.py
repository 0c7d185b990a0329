"""Fixtures of the gas tests: the hand-built networks of `gas_networks`, in fresh registries
on each backend (`new_location`, tests/conftest.py)."""
from __future__ import annotations

from typing import Callable

import pytest

import registry
from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, build


@pytest.fixture()
def loop_city(new_location: Callable[[], str]) -> Callable[..., registry.Registry]:
    """Builds 甲小区 with its line valves in the given states (default: both open)."""
    def make(v1: str = "open", v2: str = "open") -> registry.Registry:
        return build(new_location(), LOOP_MAINS, buildings=LOOP_BUILDINGS,
                     line_valves={"V1": (0, 20, v1), "V2": (0, 60, v2)})
    return make


@pytest.fixture()
def city_factory(new_location: Callable[[], str]) -> Callable[..., registry.Registry]:
    """Builds a registry from mains (and valves, buildings) given as in `build`."""
    return lambda mains, **kw: build(new_location(), mains, **kw)
