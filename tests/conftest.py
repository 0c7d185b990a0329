"""Hooks and fixtures shared by the whole suite; each test folder keeps its own in its conftest.

CI policy: with ``CI=true`` in the environment, a test marked ``postgis`` or ``browser`` that
is skipped fails the run, with the skip reason, so a missing server can never pass silently.
A test that asks for the PostGIS fixtures is marked ``postgis`` without saying so.

Storage: a test that asks for `backend`, `new_location`, `registry_url` or
`module_location` runs once per backend in `backends.BACKENDS`, on a GeoPackage file and on
a fresh database of the session's throw-away PostGIS server.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Callable, Generator

import pytest

from backends import BACKENDS

pytest_plugins = ["postgis_server"]

#: Markers whose tests must run, not skip, in CI.
REQUIRED_IN_CI = ("postgis", "browser")
POSTGIS_FIXTURES = {"postgis_server", "postgis_url", "postgis_urls", "postgis_module_urls"}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real survey data in the `shared/` folder beside the checkout (CI puts it there too)."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
    if not path.is_dir():
        pytest.fail(f"real test data not found at {path}: put shared/ beside the checkout")
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test, "gpkg" or "postgis" (module-scoped, so a module's
    shared registries are built once per backend)."""
    return request.param


@pytest.fixture
def new_location(backend: str, request: pytest.FixtureRequest,
                 tmp_path: Path) -> Callable[[], str]:
    """A maker of places for the test's new registries: GeoPackage files, or PostGIS databases
    dropped after the test."""
    if backend == "postgis":
        return request.getfixturevalue("postgis_urls")
    return _files_in(tmp_path)


@pytest.fixture
def registry_url(new_location: Callable[[], str]) -> str:
    """Where the test's one new registry goes, on each backend."""
    return new_location()


@pytest.fixture(scope="module")
def module_location(backend: str, request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Callable[[], str]:
    """`new_location` for registries the tests of a module share."""
    if backend == "postgis":
        return request.getfixturevalue("postgis_module_urls")
    return _files_in(tmp_path_factory.mktemp("registries"))


def _files_in(folder: Path) -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: str(folder / f"city{next(numbers)}.gpkg")


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
