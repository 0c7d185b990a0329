"""Fixtures of the auth tests: the registry of `auth_helpers.make_city`, on each backend, and
the app over it with authentication required."""
from __future__ import annotations

from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth_helpers import make_city
from web.app import create_app


@pytest.fixture(scope="module")
def city_path(module_location: Callable[[], str]) -> str:
    return make_city(module_location())


@pytest.fixture(scope="module")
def secure_app(city_path: str) -> Flask:
    return create_app({"REGISTRY": city_path, "TESTING": True, "AUTH_REQUIRED": True})


@pytest.fixture()
def client(secure_app: Flask) -> FlaskClient:
    return secure_app.test_client()
