"""The gas APIs and dashboard over HTTP: JSON, GeoJSON, CSV, Excel, errors as problems."""
from __future__ import annotations

import io

import openpyxl
import pytest

from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, build, lonlat
from web.app import create_app
from open_access import OPEN


@pytest.fixture(scope="module")
def client(module_location):
    path = module_location()
    build(path, LOOP_MAINS, buildings=LOOP_BUILDINGS,
          line_valves={"V1": (0, 20, "open"), "V2": (0, 60, "open")}).close()
    return create_app({"REGISTRY": path, **OPEN}).test_client()


def test_topology_summary_and_faults(client):
    body = client.get("/api/gas/topology").get_json()
    assert body["summary"]["km"] == 0.3 and body["summary"]["components"] == 1
    assert body["faults"] == []
    assert client.get("/api/gas/topology?f=geojson").mimetype == "application/geo+json"


def test_scope_json_csv_and_excel(client):
    body = client.get("/api/gas/scope").get_json()
    assert body["km_in_scope"] == 0.3 and body["courtyards"][0]["courtyard"] == "甲小区"
    assert body["courtyards"][0]["households"] == 66
    csv = client.get("/api/gas/scope?f=csv")
    assert csv.headers["Content-Disposition"] == 'attachment; filename="gas-scope.csv"'
    assert csv.data.decode("utf-8-sig").splitlines()[1].startswith("甲小区,0.3,")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/api/gas/scope?f=xlsx").data)).active
    assert sheet["A1"].value == "courtyard" and sheet["A2"].value == "甲小区"


def test_isolation_trace_json_and_geojson(client):
    lon, lat = lonlat(-20, 80)
    body = client.get(f"/api/gas/isolate?lon={lon}&lat={lat}").get_json()
    assert [v["key"] for v in body["valves_to_close"]] == ["V1"] and body["households"] == 60
    collection = client.get(f"/api/gas/isolate?lon={lon}&lat={lat}&f=geojson").get_json()
    assert {f["properties"]["role"] for f in collection["features"]} == {"isolated",
                                                                         "valve_close"}


def test_programme_put_and_list(client):
    response = client.put("/api/gas/programmes/2025", json={"courtyards": ["甲小区"]})
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert client.get("/api/gas/programmes").get_json()["programmes"][0]["courtyards"] == ["甲小区"]
    progress = client.get("/api/gas/progress?year=2025").get_json()
    assert progress["programme"]["km"] == 0.3 and progress["by_courtyard"][0]["state"] == "pending"


@pytest.mark.parametrize("url, status, detail", [
    ("/api/gas/isolate?main=nope", 404, "no gas main nope"),
    ("/api/gas/isolate?lon=114.0&lat=38.0", 400, "no gas main within 10 m"),
    ("/api/gas/isolate?lon=abc&lat=38", 400, "could not convert"),
    ("/api/gas/valves?by=street", 400, "by must be one of"),
    ("/api/gas/scope?f=pdf", 400, "f must be one of"),
])
def test_bad_requests_are_problems(client, url, status, detail):
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]


def test_an_unknown_courtyard_in_a_programme_is_named(client):
    response = client.put("/api/gas/programmes/2025", json={"courtyards": ["不存在的小区"]})
    assert response.status_code == 400
    assert response.get_json()["detail"] == "no courtyard named '不存在的小区'"


def test_dashboard_in_chinese_and_english(client):
    page = client.get("/gas").data.decode()
    assert "庭院燃气管道改造" in page and 'data-key="km_in_scope">0.3<' in page
    assert "<svg" in page and "cdn" not in page.lower()
    assert "Courtyard gas programme" in client.get("/gas?lang=en").data.decode()
