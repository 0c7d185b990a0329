"""Every error answers with one problem shape (RFC 9457), whatever raised it."""
from __future__ import annotations

import pytest
from flask import Flask

from registry.errors import Conflict, StorageError
from web.app import create_app
from open_access import OPEN

SHAPE = {"type", "title", "status", "detail"}


def problem_of(response) -> dict:
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert set(body) == SHAPE
    assert body["status"] == response.status_code
    return body


def stale_edit() -> None:
    raise Conflict("stale version 3")


def unreadable_number() -> int:
    return int("四")


def broken_view() -> dict:
    return {}["secret internals"]


@pytest.fixture()
def raising_app(city) -> Flask:
    """The real app plus routes that raise what views deep down might raise."""
    app = create_app({"REGISTRY": city.url, **OPEN})
    for view in (stale_edit, unreadable_number, broken_view):
        app.add_url_rule(f"/{view.__name__}", view_func=view)
    return app


def test_unknown_route_is_a_404_problem(client):
    body = problem_of(client.get("/ogcapi/nowhere"))
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404,
                    "detail": body["detail"]}


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.post("/ogcapi/collections")
    assert problem_of(response)["status"] == 405
    assert "GET" in response.headers["Allow"]


def test_unknown_layer_is_a_404_naming_the_layers(client):
    body = problem_of(client.get("/ogcapi/collections/wells/items"))
    assert body["type"] == "urn:infracensus:not-found"
    assert body["detail"].startswith("unknown layer 'wells'; layers: bridges, drains")


def test_bad_limit_is_a_400_problem(client):
    body = problem_of(client.get("/ogcapi/collections/drains/items?limit=abc"))
    assert body == {"type": "urn:infracensus:invalid-input", "title": "Invalid input",
                    "status": 400, "detail": "limit must be a whole number of 0 or more, got 'abc'"}


def test_registry_errors_answer_their_class_status(raising_app):
    body = problem_of(raising_app.test_client().get("/stale_edit"))
    assert body == {"type": "urn:infracensus:conflict", "title": "Conflict", "status": 409,
                    "detail": "stale version 3"}


def test_a_value_error_from_parsing_is_a_400_not_a_500(raising_app):
    body = problem_of(raising_app.test_client().get("/unreadable_number"))
    assert body["status"] == 400
    assert "四" in body["detail"]


def test_an_unexpected_error_is_a_500_that_hides_internals(raising_app):
    body = problem_of(raising_app.test_client().get("/broken_view"))
    assert body["status"] == 500
    assert "secret" not in body["detail"]


def test_a_missing_registry_setting_is_a_storage_problem():
    response = create_app({"REGISTRY": None, **OPEN}).test_client().get("/ogcapi/collections")
    body = problem_of(response)
    assert body["title"] == StorageError.title
    assert "set REGISTRY" in body["detail"]
