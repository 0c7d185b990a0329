"""Source attributes where users read them: the asset panel's JSON, exports and OGC API items."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyogrio
import pytest

import registry
from backends import only_gpkg
from importers.pipeline import import_survey
from registry import Query
from open_access import OPEN
from web.app import create_app

SURVEY = ("编号,经度,纬度,井深,备注,施工单位\n"
          "YS001,114.5012,38.0401,1.20,井盖松动,河北建工集团\n")
AS_SURVEYED = {"编号": "YS001", "经度": "114.5012", "纬度": "38.0401", "井深": "1.20",
               "备注": "井盖松动", "施工单位": "河北建工集团"}


@pytest.fixture
def app(registry_url: str, tmp_path: Path):
    reg = registry.create(registry_url, county="130102")
    survey = tmp_path / "收水井.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    import_survey(reg, survey, "drains", who="王工")
    reg.close()
    return create_app({"REGISTRY": registry_url, "TESTING": True, **OPEN})


def uuid_of(app) -> str:
    reg = registry.open(app.config["REGISTRY"])
    uuid = reg.query(Query("drains"))["uuid"].iloc[0]
    reg.close()
    return uuid


def test_the_panel_json_carries_the_survey_record_as_an_object(app) -> None:
    uuid = uuid_of(app)
    body = app.test_client().get(f"/api/assets/{uuid}").json
    assert body["source_attributes"] == AS_SURVEYED
    assert list(body["source_attributes"]) == list(AS_SURVEYED)  # the file's order


def test_exports_carry_the_source_attributes(app, tmp_path) -> None:
    client, uuid = app.test_client(), uuid_of(app)
    geojson = client.get(f"/api/export?layer=drains&ids={uuid}&format=geojson")
    assert geojson.status_code == 200
    properties = json.loads(geojson.data)["features"][0]["properties"]
    assert properties["source_attributes"] == AS_SURVEYED
    table = client.get(f"/api/export?layer=drains&ids={uuid}&format=csv").data
    row = next(csv.DictReader(io.StringIO(table.decode("utf-8-sig"))))
    assert json.loads(row["source_attributes"]) == AS_SURVEYED
    package = tmp_path / "drains.gpkg"
    package.write_bytes(client.get(f"/api/export?layer=drains&ids={uuid}&format=gpkg").data)
    frame = pyogrio.read_dataframe(package)
    assert json.loads(frame["source_attributes"].iloc[0]) == AS_SURVEYED


def test_an_ogc_api_item_carries_them_as_an_object(app) -> None:
    uuid = uuid_of(app)
    item = app.test_client().get(f"/ogcapi/collections/drains/items/{uuid}?f=json")
    assert item.status_code == 200, item.data
    assert json.loads(item.data)["properties"]["source_attributes"] == AS_SURVEYED


@only_gpkg
def test_qgis_and_gdal_see_a_column_of_the_registry_layer(app) -> None:
    """The GeoPackage registry is what QGIS opens as it is."""
    url = app.config["REGISTRY"]
    frame = pyogrio.read_dataframe(url, layer="drains")
    assert json.loads(frame["source_attributes"].iloc[0]) == AS_SURVEYED
