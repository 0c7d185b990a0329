"""The CI policy in `tests/conftest.py`: in CI a skipped PostGIS or browser test fails the run."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")
INI = """
[pytest]
markers =
    postgis: needs PostGIS
    browser: needs Chromium
"""
TESTS = """
import pytest

@pytest.mark.postgis
def test_needs_postgis():
    pytest.skip("PostgreSQL with PostGIS not installed")

@pytest.mark.browser
def test_needs_browser():
    pytest.skip("no Chromium here")

def test_optional():
    pytest.skip("not needed anywhere")

@pytest.fixture
def postgis_url():
    pytest.skip("no server to give a database")

def test_asks_for_a_database(postgis_url):
    pass

@pytest.mark.postgis
@pytest.mark.xfail(reason="known gap")
def test_known_gap():
    assert False
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makeini(INI)
    pytester.makepyfile(test_suite=TESTS)
    return pytester


def test_in_ci_skipped_postgis_and_browser_tests_fail(suite, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest("-rA")
    result.assert_outcomes(failed=2, errors=1, skipped=1, xfailed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines([
        "*skipped in CI, where it must run: PostgreSQL with PostGIS not installed*",
        "*skipped in CI, where it must run: no Chromium here*",
        "*skipped in CI, where it must run: no server to give a database*",
    ])


def test_outside_ci_they_skip(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest()
    result.assert_outcomes(skipped=4, xfailed=1)
    assert result.ret == 0


def test_ci_must_say_true(suite, monkeypatch):
    monkeypatch.setenv("CI", "1")
    suite.runpytest().assert_outcomes(skipped=4, xfailed=1)


def test_shared_data_is_beside_the_checkout(shared_data):
    assert shared_data.parts[-3:] == ("shared", "data", "real")
    assert (shared_data / "cambridge_ma").is_dir()
