"""A crew's returned GeoPackage is an upload too: one holding a view (or a trigger, or a
virtual table) of its own is refused before GDAL reads it; the file the crew was given is not."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask

import registry
from uploads.hostile_files import geopackage, planted_geopackage, recursive_view_geopackage
from web.app import create_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    path = str(tmp_path_factory.mktemp("returns") / "city.gpkg")
    registry.create(path, county="130102").close()
    return create_app({"REGISTRY": path, "TESTING": True, "AUTH_REQUIRED": False})


def returned(app: Flask, name: str, data: bytes):
    return app.test_client().post("/api/packages/P1/return", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(data), name)})


@pytest.mark.parametrize("make, found", [(recursive_view_geopackage, "view 'bomb'"),
                                         (planted_geopackage, "trigger 'wipe'")])
def test_a_returned_geopackage_with_its_own_sql_is_refused(app: Flask, tmp_path: Path,
                                                           make, found: str) -> None:
    answer = returned(app, "P1.gpkg", make(tmp_path))
    assert answer.status_code == 400
    assert found in answer.get_json()["detail"]
    assert "views, triggers or virtual tables are refused" in answer.get_json()["detail"]


def test_a_geopackage_as_gdal_writes_it_passes_the_check(app: Flask, tmp_path: Path) -> None:
    # Not a package export, so it fails later, for its own reason: the check let it through.
    answer = returned(app, "P1.gpkg", geopackage(tmp_path).read_bytes())
    assert answer.status_code == 400
    assert "no 'package' table" in answer.get_json()["detail"]
