"""Fixtures of the plan and package tests: the hand-built town of `plans.town`."""
from __future__ import annotations

from typing import Iterator

import pytest

from plans.town import Town, build_town


@pytest.fixture
def town(registry_url: str) -> Iterator[Town]:
    """The town on each storage backend."""
    built = build_town(registry_url)
    yield built
    built.reg.close()
