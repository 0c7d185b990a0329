"""Malformed requests of the kinds a fuzzer found 5xx with (bad JSON, JSON nested past the
decoder's depth, CQL2 nested too deep, huge integer literals, an .xlsx with a DTD): each
answers 400 with the one problem shape, naming what is wrong."""
from __future__ import annotations

import io
from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

import registry
from uploads.hostile_files import dtd_workbook
from web.app import create_app

PROBLEM_KEYS = {"type", "title", "status", "detail"}
JSON_WRITES = [("post", "/api/select"), ("post", "/api/cases"), ("post", "/api/plans"),
               ("put", "/api/gas/programmes/2025"), ("post", "/api/cases/C1/moves"),
               ("post", "/api/packages/P1/settle")]
BAD_BODIES = {"broken JSON": '{"layer": "drains",', "nested past the decoder": "[" * 100_000,
              "a bare number": "9" * 5000, "not UTF-8": b"\xff\xfe{".decode("latin-1")}
ITEMS = "/ogcapi/collections/drains/items"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    path = str(tmp_path_factory.mktemp("malformed") / "city.gpkg")
    registry.create(path, county="130102").close()
    return create_app({"REGISTRY": path, "TESTING": True, "AUTH_REQUIRED": False,
                       "UPLOAD_TMP": str(tmp_path_factory.mktemp("uploads"))})


def problem(answer, status: int = 400) -> str:
    assert answer.status_code == status, answer.data[:300]
    assert answer.content_type == "application/problem+json"
    body = answer.get_json()
    assert set(body) == PROBLEM_KEYS and body["status"] == status
    return body["detail"]


@pytest.mark.parametrize("body", sorted(BAD_BODIES))
@pytest.mark.parametrize("method, path", JSON_WRITES)
def test_a_malformed_json_body_is_400(app: Flask, method: str, path: str, body: str) -> None:
    send: Callable = getattr(app.test_client(), method)
    detail = problem(send(path, data=BAD_BODIES[body], content_type="application/json"))
    assert "JSON" in detail or "send" in detail


@pytest.mark.parametrize("text, message", [
    ("(" * 1000 + "condition = 1" + ")" * 1000, "nested more than 32 levels deep"),
    ("NOT " * 5000 + "condition = 1", "nested more than 32 levels deep"),
    ("condition = " + "9" * 40, "is out of range: whole numbers are limited to"),
    ("condition IN (1, -" + "9" * 400 + ")", "is out of range"),
    ("condition = 1 OR " * 5000 + "condition = 2", "longer than the 65,536 a filter may have"),
])
def test_a_hostile_cql2_filter_is_400(app: Flask, text: str, message: str) -> None:
    assert message in problem(app.test_client().get(ITEMS, query_string={"filter": text}))


@pytest.mark.parametrize("name", ["offset", "condition"])
def test_a_huge_integer_parameter_is_400(app: Flask, name: str) -> None:
    detail = problem(app.test_client().get(ITEMS, query_string={name: "9" * 40}))
    assert detail.startswith(name)


def test_an_xlsx_with_a_dtd_is_400(app: Flask) -> None:
    answer = app.test_client().post("/api/imports", content_type="multipart/form-data", data={
        "layer": "drains", "file": (io.BytesIO(dtd_workbook()), "drains.xlsx")})
    assert "document type or entity declarations" in problem(answer)


def test_the_gas_programme_refuses_wrong_types(app: Flask) -> None:
    answer = app.test_client().put("/api/gas/programmes/2025",
                                   json={"courtyards": [1, 2], "targets": {"mains": "x"}})
    assert '{"courtyards": [names]' in problem(answer)


def test_a_plan_with_crews_that_are_not_a_list_is_400(app: Flask) -> None:
    answer = app.test_client().post("/api/plans", json={
        "selection": {"layer": "drains", "grid": "130102001"}, "crews": 3.9e-75})
    assert "crews must be a list of crew names" in problem(answer)


def test_a_drawn_shape_beyond_lon_lat_is_400(app: Flask) -> None:
    answer = app.test_client().post("/api/select", json={
        "layer": "drains", "buffer_m": 100,
        "geometry": {"type": "Point", "coordinates": [45.04, 105.0]}})
    assert "reaches beyond lon/lat" in problem(answer)
