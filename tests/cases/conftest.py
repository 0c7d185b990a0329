"""Fixtures of the case tests: the registry of `casekit` in a fresh GeoPackage per test, and
the case service over it."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

import registry
from cases.casekit import build_registry
from registry.cases import Cases


@pytest.fixture()
def reg(tmp_path: Path) -> Iterator[registry.Registry]:
    opened = build_registry(tmp_path / "city.gpkg")
    yield opened
    opened.close()


@pytest.fixture()
def cases(reg: registry.Registry) -> Cases:
    return Cases(reg)
