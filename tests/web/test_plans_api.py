"""The plans API and pages over the hand-built town: scores explained for the asset panel,
scores as GeoJSON for the map, a plan proposed from a map selection, and a package exported,
returned with a conflict, and settled."""
from __future__ import annotations

import io

import orjson
import pyogrio
import pytest
from flask import Flask
from flask.testing import FlaskClient

import registry
from registry import Change
from plans.town import build_town
from web.app import create_app
from open_access import OPEN

#: A box around inlets A and B (grid 130102001), as the map's box tool sends it.
BOX = {"type": "Polygon", "coordinates": [[[114.499, 38.039], [114.507, 38.039],
                                           [114.507, 38.041], [114.499, 38.041],
                                           [114.499, 38.039]]]}


@pytest.fixture()
def town_app(registry_url: str) -> Flask:
    town = build_town(registry_url)
    town.reg.close()
    app = create_app({"REGISTRY": str(town.path), "TESTING": True, **OPEN})
    app.town = town  # type: ignore[attr-defined]
    return app


@pytest.fixture()
def web(town_app: Flask) -> FlaskClient:
    return town_app.test_client()


def post(client: FlaskClient, url: str, **options):
    token = client.get("/auth/session").get_json()["csrf_token"]
    return client.post(url, headers={"X-CSRF-Token": token}, **options)


def propose(client: FlaskClient, **limits) -> dict:
    response = post(client, "/api/plans", json={"selection": {"layer": "drains",
                                                              "geometry": BOX}, **limits})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_asset_score_is_explained_for_the_panel(web, town_app):
    found = web.get(f"/api/plans/scores/{town_app.town['A']}?lang=en").get_json()
    assert found["gbt_code"] == "1301020104000001"
    assert [(t["label"], t["points"]) for t in found["terms"]][:3] == [
        ("Condition", 30.0), ("Age (years)", 10.0), ("Cases and incidents", 30.0)]
    zh = web.get(f"/api/plans/scores/{town_app.town['A']}").get_json()
    assert zh["terms"][-2]["label"] == "主干道" and zh["terms"][-2]["value"] == "中山路"


def test_scores_colour_the_map_as_geojson(web, town_app):
    response = web.get("/api/plans/scores.geojson?layer=drains&bbox=114.499,38.03,114.507,38.05")
    assert response.mimetype == "application/geo+json"
    features = response.get_json()["features"]
    assert {f["id"] for f in features} == {town_app.town["A"], town_app.town["B"]}
    assert all(f["properties"]["score"] > 50 for f in features)


def test_a_plan_from_a_selection_lists_the_riskiest_first(web, town_app):
    made = propose(web, budget_yuan=400, crews="一队")
    assert [t["gbt_code"] for t in made["tasks"]] == ["1301020104000001"]
    assert made["left_out"]["count"] == 1 and made["packages"][0]["crew"] == "一队"
    assert web.get("/api/plans").get_json()[0]["id"] == made["id"]
    page = web.get(f"/plans/{made['id']}").get_data(as_text=True)
    assert "1301020104000001" in page and "清掏收水井" in page and "一队" in page


def test_export_return_conflict_and_settle(web, town_app, tmp_path):
    made = propose(web)
    package = made["packages"][0]["id"]
    collection = web.get(f"/api/packages/{package}/export").get_json()
    gpkg = web.get(f"/api/packages/{package}/export?format=gpkg")
    assert gpkg.mimetype == "application/geopackage+sqlite3"
    (tmp_path / "pkg.gpkg").write_bytes(gpkg.data)
    assert [n for n, _ in pyogrio.list_layers(tmp_path / "pkg.gpkg")] == ["drains", "tasks",
                                                                          "package"]
    b = town_app.town["B"]
    reg = registry.open(town_app.town.path)
    reg.update(b, {"depth_m": 2.0}, change=Change(who="办公室"))
    reg.close()
    for feature in collection["features"]:
        feature["properties"].update(done_kind="cleaning", done_date="2026-06-03",
                                     condition_after=2)
    upload = {"file": (io.BytesIO(orjson.dumps(collection)), "pkg_returned.geojson")}
    outcome = post(web, f"/api/packages/{package}/return", data=upload).get_json()
    assert outcome["applied"] == [town_app.town["A"]] and outcome["conflicts"] == [b]
    [held] = web.get(f"/api/packages/{package}/conflicts").get_json()
    assert {f["field"]: (f["office"], f["crew"]) for f in held["fields"]} == {
        "depth_m": (2.0, 1.5), "condition": (5, 2)}
    page = web.get(f"/plans/{made['id']}?lang=en").get_data(as_text=True)
    assert 'class="conflict" data-uuid="' + b in page and "Keep office" in page
    settled = post(web, f"/api/packages/{package}/settle", json={"uuid": b, "choice": "crew"})
    assert settled.get_json()["choice"] == {"depth_m": "crew", "condition": "crew"}
    assert web.get(f"/api/packages/{package}/conflicts").get_json() == []


def test_refusals_are_problems(web, town_app):
    made = propose(web)
    package = made["packages"][0]["id"]
    collection = web.get(f"/api/packages/{package}/export").get_json()
    collection["features"][0]["properties"].update(version=9, done_kind="cleaning")
    refused = post(web, f"/api/packages/{package}/return", data=orjson.dumps(collection))
    assert refused.status_code == 400
    assert refused.get_json()["detail"].startswith("feature 1: the version stamp of asset")
    broken = post(web, f"/api/packages/{package}/return", data=b"{not json")
    assert broken.status_code == 400 and "not valid JSON" in broken.get_json()["detail"]
    assert web.get("/api/packages/PLAN-x-K1/conflicts").status_code == 404
    bad = post(web, "/api/plans", json={"selection": {"layer": "drains", "geometry": BOX},
                                        "budget_yuan": "lots"})
    assert (bad.status_code, bad.get_json()["detail"]) == (400, "budget_yuan must be a number, got 'lots'")
    assert web.get(f"/api/packages/{package}/export?format=shp").status_code == 400
