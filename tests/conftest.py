"""Hooks and fixtures shared by the whole suite; each test folder keeps its own in its conftest.

CI policy: with ``CI=true`` in the environment, a test marked ``postgis`` or ``browser`` that
is skipped fails the run, with the skip reason, so a missing server can never pass silently.
A test that asks for the PostGIS fixtures is marked ``postgis`` without saying so.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Generator

import pytest

pytest_plugins = ["postgis_server"]

#: Markers whose tests must run, not skip, in CI.
REQUIRED_IN_CI = ("postgis", "browser")
POSTGIS_FIXTURES = {"postgis_server", "postgis_url", "postgis_urls"}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real survey data in the `shared/` folder beside the checkout (CI puts it there too)."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
    if not path.is_dir():
        pytest.fail(f"real test data not found at {path}: put shared/ beside the checkout")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if POSTGIS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgis)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
        item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                       pytest.TestReport]:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and _required_in_ci(item):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run: {_skip_reason(report)}"
    return report


def _required_in_ci(item: pytest.Item) -> bool:
    if os.environ.get("CI") != "true":
        return False
    return any(item.get_closest_marker(name) for name in REQUIRED_IN_CI)


def _skip_reason(report: pytest.TestReport) -> str:
    # A skip's longrepr is (file, line, "Skipped: reason").
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)
