"""The examples in the docstrings of registry/, importers/ and web/ run as tests, so what a
module's documentation shows is what it does."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import importers
import registry
import web

MODULES = sorted(info.name for package in (registry, importers, web)
                 for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."))


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, report=False)
    assert failed == 0, f"{failed} docstring example(s) of {name} fail; run python -m doctest -v"
