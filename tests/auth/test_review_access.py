"""The review page is a data manager's: who may read it and decide, with a real login."""
from __future__ import annotations

from pathlib import Path

import registry
from auth_helpers import log_in, session_csrf
from importers.pipeline import import_survey
from registry import review as queue

SURVEY = ("编号,经度,纬度\n"
          "R1,114.5100000,38.05\n"
          "R2,114.5100001,38.05\n")


def held_batch(city_path: str, folder: Path) -> str:
    survey = folder / "复核.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    reg = registry.open(city_path)
    batch = import_survey(reg, survey, "drains", who="王工").batch
    reg.close()
    return batch


def test_a_data_manager_reads_the_queue_and_decides(client, city_path, tmp_path) -> None:
    batch = held_batch(city_path, tmp_path)
    log_in(client, "dm")
    assert client.get("/imports/review").status_code == 200
    listed = client.get("/api/review/items").get_json()["features"]
    assert [f["properties"]["row"] for f in listed if f["properties"]["batch"] == batch] == [2]
    answer = client.post("/api/review/decisions", json={"batch": batch, "rows": [2],
                                                        "decision": "reject"},
                         headers={"X-CSRF-Token": session_csrf(client)})
    assert answer.status_code == 200, answer.get_json()
    reg = registry.open(city_path)
    assert [i.decided_by for i in queue.items(reg, status="rejected", batch=batch)] == ["dm"]
    reg.close()


def test_others_may_not(client, city_path, tmp_path) -> None:
    batch = held_batch(city_path, tmp_path)
    assert client.get("/api/review/items").status_code == 401
    log_in(client, "eng")
    assert client.get("/imports/review").status_code == 403
    refused = client.post("/api/review/decisions", json={"batch": batch, "rows": [2],
                                                         "decision": "accept"},
                          headers={"X-CSRF-Token": session_csrf(client)})
    assert refused.status_code == 403
    assert "import" in refused.get_json()["detail"]
