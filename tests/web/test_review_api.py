"""The review page's JSON: the queue as GeoJSON, decisions, and 4xx for bad requests."""
from __future__ import annotations

from pathlib import Path

import pytest

import registry
from importers.pipeline import import_survey
from registry import Query
from open_access import OPEN
from web.app import create_app

SURVEY = ("编号,经度,纬度,井深\n"
          "YS1,114.500000,38.04,1.2\n"
          "YS2,114.500001,38.04,1.3\n"
          "YS3,114.520000,38.05,1.4\n"
          "YS4,114.520001,38.05,1.5\n")


@pytest.fixture
def app(registry_url: str, tmp_path: Path):
    reg = registry.create(registry_url, county="130102")
    survey = tmp_path / "收水井.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    import_survey(reg, survey, "drains", who="王工")
    reg.close()
    return create_app({"REGISTRY": registry_url, "TESTING": True, **OPEN})


def test_the_queue_is_geojson_with_the_held_records(app) -> None:
    body = app.test_client().get("/api/review/items").json
    assert body["type"] == "FeatureCollection"
    rows = [(f["properties"]["row"], f["properties"]["kind"], f["properties"]["source_id"],
             f["geometry"]["coordinates"]) for f in body["features"]]
    assert rows == [(2, "duplicate", "YS2", [114.500001, 38.04]),
                    (4, "duplicate", "YS4", [114.520001, 38.05])]
    page = app.test_client().get("/imports/review")
    assert page.status_code == 200 and "导入待审核" in page.get_data(as_text=True)


def test_bulk_accept_inserts_every_ticked_record(app) -> None:
    client = app.test_client()
    batch = client.get("/api/review/items").json["features"][0]["properties"]["batch"]
    answer = client.post("/api/review/decisions", json={"batch": batch[:8], "rows": [2, 4],
                                                        "decision": "accept"})
    assert answer.status_code == 200, answer.json
    assert [f["properties"]["status"] for f in answer.json["decided"]] == ["accepted"] * 2
    reg = registry.open(app.config["REGISTRY"])
    assert sorted(reg.query(Query("drains"))["source_id"]) == ["YS1", "YS2", "YS3", "YS4"]
    reg.close()
    assert client.get("/api/review/items").json["features"] == []
    assert len(client.get("/api/review/items?status=accepted").json["features"]) == 2


@pytest.mark.parametrize("body, status, detail", [
    ({"rows": [2], "decision": "maybe"}, 400, "decision must be one of accept, reject, edit"),
    ({"rows": [], "decision": "accept"}, 400, "rows must be a non-empty list"),
    ({"rows": [99], "decision": "accept"}, 404, "has no open review item for row 99"),
    ({"rows": [2], "decision": "edit", "edits": {"depth_m": "deep"}}, 400, "not a float"),
])
def test_bad_decisions_are_4xx_with_a_reason(app, body, status, detail) -> None:
    client = app.test_client()
    batch = client.get("/api/review/items").json["features"][0]["properties"]["batch"]
    answer = client.post("/api/review/decisions", json={"batch": batch, **body})
    assert answer.status_code == status, answer.json
    assert detail in answer.json["detail"]
    assert len(client.get("/api/review/items").json["features"]) == 2
