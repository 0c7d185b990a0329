"""Fixtures of the auth tests: the registry of `auth_helpers.make_city` and the app over it
with authentication required."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth_helpers import make_city
from web.app import create_app


@pytest.fixture(scope="module")
def city_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_city(tmp_path_factory.mktemp("auth") / "city.gpkg")


@pytest.fixture(scope="module")
def secure_app(city_path: Path) -> Flask:
    return create_app({"REGISTRY": str(city_path), "TESTING": True, "AUTH_REQUIRED": True})


@pytest.fixture()
def client(secure_app: Flask) -> FlaskClient:
    return secure_app.test_client()
