"""Fixtures of the plan and package tests: the hand-built town of `plans.town`."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from plans.town import Town, build_town


@pytest.fixture()
def town(tmp_path: Path) -> Iterator[Town]:
    built = build_town(tmp_path / "town.gpkg")
    yield built
    built.reg.close()
