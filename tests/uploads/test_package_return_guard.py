"""A crew's returned GeoPackage is an upload too: one holding a view (or a trigger, or a
virtual table) of its own is refused before GDAL reads it; the file the crew was given is not."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask

from registry.errors import InvalidInput

from open_access import OPEN
from plans.town import build_town
from registry import Change, Query
from registry.plans import planner
from uploads.hostile_files import geopackage, planted_geopackage, recursive_view_geopackage
from web.app import create_app
from web.plans import files


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A registry with one real work package out with a crew (its id in the config)."""
    path = str(tmp_path_factory.mktemp("returns") / "city.gpkg")
    town = build_town(path)
    plan = planner.propose(town.reg, Query("drains"), Change(who="王工"), crews=["一队"])
    town.reg.close()
    return create_app({"REGISTRY": path, "TESTING": True, **OPEN,
                       "PACKAGE": plan["packages"][0]["id"]})


def returned(app: Flask, name: str, data: bytes):
    return app.test_client().post(f"/api/packages/{app.config['PACKAGE']}/return",
                                  content_type="multipart/form-data",
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


def test_the_command_line_return_checks_the_file_too(tmp_path: Path) -> None:
    crews_file = tmp_path / "returned.gpkg"
    crews_file.write_bytes(recursive_view_geopackage(tmp_path))
    with pytest.raises(InvalidInput, match="views, triggers or virtual tables are refused"):
        files.read(crews_file, ["drains"])
