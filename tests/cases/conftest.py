"""Fixtures of the case tests: the registry of `casekit`, fresh per test on each backend, and
the case service over it."""
from __future__ import annotations

from typing import Iterator

import pytest

import registry
from cases.casekit import build_registry
from registry.cases import Cases


@pytest.fixture()
def reg(registry_url: str) -> Iterator[registry.Registry]:
    opened = build_registry(registry_url)
    yield opened
    opened.close()


@pytest.fixture()
def cases(reg: registry.Registry) -> Cases:
    return Cases(reg)
