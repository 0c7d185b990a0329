"""Roles against endpoints, Bearer tokens, public reading, the default rule and the audit hook."""
from __future__ import annotations

import io

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from auth_helpers import PASSWORD, log_in, session_csrf
from registry import audit, open as open_registry
from registry.errors import InvalidInput
from registry.users import Users
from web.app import create_app

GEOJSON = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
           b'{"source_id":"UP1"},"geometry":{"type":"Point","coordinates":[114.51,38.05]}}]}')


def upload(client: FlaskClient, headers: dict | None = None, name: str = "新收水井.geojson"):
    return client.post("/api/imports", headers=headers or {}, content_type="multipart/form-data",
                       data={"layer": "drains", "file": (io.BytesIO(GEOJSON), name)})


@pytest.fixture(scope="module")
def tokens(city_path) -> dict[str, str]:
    reg = open_registry(city_path)
    users = Users(reg)
    found = {name: users.issue_token(name, "script", by="admin") for name in ("dm", "viewer")}
    reg.close()
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_viewer_reads_but_may_not_import(client: FlaskClient) -> None:
    log_in(client, "viewer")
    assert client.get("/ogcapi/collections/drains/items?limit=5").status_code == 200
    refused = upload(client, {"X-CSRF-Token": session_csrf(client)})
    assert refused.status_code == 403
    assert "'import' permission" in refused.get_json()["detail"]


def test_session_write_needs_the_csrf_token(client: FlaskClient) -> None:
    log_in(client, "dm")
    assert "CSRF" in upload(client).get_json()["detail"]
    answer = upload(client, {"X-CSRF-Token": session_csrf(client)})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["counts"]["accepted"] == 1


def test_bearer_token_needs_no_csrf_and_can_be_revoked(client: FlaskClient, tokens,
                                                       city_path) -> None:
    answer = upload(client, bearer(tokens["dm"]), name="second.geojson")
    assert answer.status_code in (201, 400) and "CSRF" not in str(answer.get_json())
    reg = open_registry(city_path)
    users = Users(reg)
    users.revoke(next(t["id"] for t in users.tokens("viewer")), by="admin")
    reg.close()
    gone = client.get("/ogcapi/collections", headers=bearer(tokens["viewer"]))
    assert gone.status_code == 401 and "revoked" in gone.get_json()["detail"]


def test_forged_token_is_refused(client: FlaskClient, tokens) -> None:
    forged = tokens["dm"][:-4] + "AAAA"
    assert client.get("/ogcapi/collections", headers=bearer(forged)).status_code == 401


def test_only_admins_read_the_audit_trail(client: FlaskClient) -> None:
    log_in(client, "eng")
    assert client.get("/admin/audit").status_code == 403
    log_in(client, "admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "审计日志" in page and "login" in page


def test_state_changing_requests_are_audited(client: FlaskClient, city_path) -> None:
    log_in(client, "viewer")
    upload(client, {"X-CSRF-Token": session_csrf(client)},)
    reg = open_registry(city_path)
    entry = audit.trail(reg, who="viewer", action="http.post")[0]
    reg.close()
    assert entry["target"] == "/api/imports" and entry["address"] == "127.0.0.1"
    assert entry["detail"] == {"endpoint": "imports.upload", "status": 403, "via": "session"}


def test_public_layers_open_only_the_named_layers_to_anonymous_readers(city_path) -> None:
    app = create_app({"REGISTRY": city_path, "TESTING": True, "PUBLIC_LAYERS": ["drains"]})
    client = app.test_client()
    assert client.get("/ogcapi/collections/drains/items").status_code == 200
    assert client.get("/tiles/drains/14/13403/6317.mvt").status_code == 200
    style = client.get("/map/style.json").get_json()
    assert [n for n in style["sources"]] == ["drains"]
    listed = client.get("/ogcapi/collections?f=json").get_json()["collections"]
    assert [c["id"] for c in listed] == ["drains"]
    refused = client.get("/ogcapi/collections/safety_valves/items")
    assert refused.status_code == 401 and "not public" in refused.get_json()["detail"]
    assert client.get("/tiles/gas_mains/14/13403/6317.mvt").status_code == 401
    assert client.get("/api/search?q=YS").status_code == 401
    assert client.get("/api/cases").status_code == 401
    assert upload(client).status_code == 401


def test_public_read_is_refused_at_start_up_naming_its_replacement(city_path) -> None:
    with pytest.raises(InvalidInput, match="PUBLIC_LAYERS"):
        create_app({"REGISTRY": city_path, "PUBLIC_READ": True})


def test_a_blueprint_nobody_listed_reads_with_view_and_never_writes(city_path) -> None:
    app = create_app({"REGISTRY": city_path, "TESTING": True, "AUTH_REQUIRED": True})
    extra = Blueprint("someones_new_feature", __name__)
    extra.add_url_rule("/new", "show", lambda: "shown")
    extra.add_url_rule("/new", "wipe", lambda: "wiped", methods=["POST"])
    app.register_blueprint(extra)
    client = app.test_client()
    log_in(client, "admin")
    assert client.get("/new").get_data(as_text=True) == "shown"
    refused = client.post("/new", headers={"X-CSRF-Token": session_csrf(client)})
    assert refused.status_code == 403


def test_a_bare_app_fails_closed(city_path) -> None:
    """The README's gunicorn line builds the app with nothing but the registry."""
    client: FlaskClient = create_app({"REGISTRY": city_path}).test_client()
    assert client.get("/ogcapi/collections/drains/items").status_code == 401
    assert client.get("/api/cases").status_code == 401
    assert client.get("/admin/audit?f=json").status_code == 401
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 302
    reported = client.post("/api/cases", json={"category": "street_vending", "lon": 114.5,
                                               "lat": 38.04},
                           headers={"X-CSRF-Token": session_csrf(client)})
    assert reported.status_code == 401
    assert upload(client).status_code == 401
    assert client.get("/auth/login").status_code == 200


@pytest.mark.parametrize("setting", ["", 0, "no", None])
def test_only_an_explicit_false_turns_logins_off(city_path, setting) -> None:
    client = create_app({"REGISTRY": city_path, "AUTH_REQUIRED": setting}).test_client()
    assert client.get("/ogcapi/collections/drains/items").status_code == 401


def test_an_app_with_logins_turned_off_says_so_and_needs_none(city_path, caplog) -> None:
    client: FlaskClient = create_app({"REGISTRY": city_path, "AUTH_REQUIRED": False}).test_client()
    assert "AUTH_REQUIRED is False" in caplog.text and "Development only" in caplog.text
    listed = client.get("/ogcapi/collections/drains/items")
    assert listed.status_code == 200
    box = {"type": "Polygon", "coordinates": [[[114.4, 38], [114.6, 38], [114.6, 38.1],
                                               [114.4, 38.1], [114.4, 38]]]}
    answer = client.post("/api/select", json={"layer": "drains", "geometry": box})
    assert answer.status_code == 200 and answer.get_json()["count"] == listed.get_json()["numberMatched"]


def test_json_login_with_lockout_reason(secure_app: Flask) -> None:
    client = secure_app.test_client()
    answer = client.post("/auth/login", json={"user": "nobody", "password": PASSWORD},
                         headers={"X-CSRF-Token": session_csrf(client)})
    assert answer.status_code == 401
    assert answer.get_json()["detail"] == "wrong user name or password"


def test_public_layers_and_layer_rights_from_the_environment(city_path, monkeypatch) -> None:
    """As a gunicorn deployment sets them: a comma list, and JSON."""
    monkeypatch.setenv("INFRACENSUS_PUBLIC_LAYERS", "drains, lamp_posts")
    monkeypatch.setenv("INFRACENSUS_LAYER_READ", '{"safety_valves": ["engineer", "admin"]}')
    client = create_app({"REGISTRY": city_path, "TESTING": True}).test_client()
    assert client.get("/ogcapi/collections/drains/items").status_code == 200
    assert client.get("/ogcapi/collections/lamp_posts/items").status_code == 200
    assert client.get("/ogcapi/collections/gas_mains/items").status_code == 401
    log_in(client, "viewer")
    refused = client.get("/ogcapi/collections/safety_valves/items")
    assert refused.status_code == 403 and "withheld from your role" in refused.get_json()["detail"]
    log_in(client, "eng")
    assert client.get("/ogcapi/collections/safety_valves/items").status_code == 200


@pytest.mark.parametrize("settings, message", [
    ({"LAYER_READ": {"safety_valves": ["engineers"]}}, "unknown role 'engineers'"),
    ({"LAYER_READ": {"safety_valves": ["admin"]}, "PUBLIC_LAYERS": ["safety_valves"]},
     "in PUBLIC_LAYERS and restricted by LAYER_READ"),
    ({"PUBLIC_LAYERS": 5}, "PUBLIC_LAYERS must be a list"),
])
def test_scope_settings_that_contradict_themselves_stop_the_start(city_path, settings,
                                                                 message) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_app({"REGISTRY": city_path, **settings})
