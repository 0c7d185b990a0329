"""Fixtures of the plan and package tests: the hand-built town of `plans.town`."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from plans.town import Town, build_town


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def town(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Town]:
    """The town on each storage backend."""
    where = request.getfixturevalue("postgis_url") if request.param == "postgis" \
        else tmp_path / "town.gpkg"
    built = build_town(where)
    yield built
    built.reg.close()
