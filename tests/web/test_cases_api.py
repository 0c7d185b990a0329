"""The cases API and pages as a client sees them, over a fresh real registry per test on each backend:
reports (JSON and form with a photo), moves at an expected version, the overdue GeoJSON,
the case list and the monthly ranking with its CSV and Excel downloads."""
from __future__ import annotations

import io

import openpyxl
import pytest
from flask.testing import FlaskClient

import registry
from cases.casekit import (IN_EAST, IN_WEST, LAMP, build_registry, file_case, file_dispatched,
                           late_and_on_time)
from registry.cases import Cases, load_rules
from web.app import create_app
from open_access import OPEN

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture()
def client(registry_url: str) -> FlaskClient:
    build_registry(registry_url).close()
    return create_app({"REGISTRY": registry_url, "TESTING": True, **OPEN}).test_client()


def report(client: FlaskClient, category: str = "street_vending", where=IN_WEST, **more):
    return client.post("/api/cases", json={"category": category, "lon": where[0],
                                           "lat": where[1], **more})


def test_report_answers_201_with_grid_department_and_asset(client: FlaskClient) -> None:
    answer = report(client, "lamp_out", LAMP, description="灯不亮")
    assert answer.status_code == 201
    case = answer.get_json()
    assert answer.headers["Location"] == f"/api/cases/{case['id']}"
    assert (case["state"], case["state_label"], case["category_label"]) == ("reported", "信息收集", "路灯不亮")
    assert (case["grid_name"], case["department"], case["asset_layer"]) == ("建北街道", "路灯管理处", "lamp_posts")
    assert [m["move"] for m in case["moves"]] == ["register", "discard"]
    english = client.get(f"/api/cases/{case['id']}?lang=en").get_json()
    assert (english["category_label"], english["state_label"]) == ("Street lamp out", "Reported")


def test_a_form_report_keeps_its_photo(client: FlaskClient) -> None:
    answer = client.post("/api/cases", data={
        "category": "exposed_garbage", "lon": str(IN_EAST[0]), "lat": str(IN_EAST[1]),
        "photo": (io.BytesIO(PNG), "垃圾.png")}, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    photo = answer.get_json()["photos"][0]
    assert (photo["name"], photo["type"], photo["size"]) == ("垃圾.png", "image/png", len(PNG))
    got = client.get(photo["url"])
    assert (got.status_code, got.mimetype, got.data) == (200, "image/png", PNG)


@pytest.mark.parametrize(("body", "detail"), [
    ({"category": "street_vending", "lon": 114.9, "lat": 38.05}, "outside every responsibility grid"),
    ({"category": "ufo", "lon": IN_WEST[0], "lat": IN_WEST[1]}, "unknown case category 'ufo'"),
    ({"category": "street_vending", "lon": "东经", "lat": 38.0}, "lon must be a number"),
])
def test_bad_reports_are_400_problems(client: FlaskClient, body: dict, detail: str) -> None:
    answer = client.post("/api/cases", json=body)
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert detail in answer.get_json()["detail"]


def test_moves_need_the_expected_version(client: FlaskClient) -> None:
    case = report(client).get_json()
    url = f"/api/cases/{case['id']}/moves"
    moved = client.post(url, json={"move": "register", "expected_version": 1})
    assert (moved.status_code, moved.get_json()["state"], moved.get_json()["version"]) == (200, "registered", 2)
    stale = client.post(url, json={"move": "dispatch", "expected_version": 1})
    assert stale.status_code == 409
    assert "at version 2, not 1" in stale.get_json()["detail"]
    illegal = client.post(url, json={"move": "close", "expected_version": 2})
    assert illegal.status_code == 409
    assert illegal.get_json()["detail"].endswith(
        "is 立案 (registered): cannot 结案 (close); allowed: 派遣 dispatch, 挂起 suspend, "
        "延期 extend, 非正常结案 close_abnormal")
    missing = client.post(url, json={"move": "dispatch"})
    assert missing.status_code == 400
    history = client.get(f"/api/cases/{case['id']}").get_json()["history"]
    assert [(h["move"], h["who"]) for h in history] == [("report", "anonymous"), ("register", "anonymous")]


def test_unknown_case_is_404(client: FlaskClient) -> None:
    assert client.get("/api/cases/209901010001").status_code == 404


def overdue_case(registry_url: str) -> str:
    return late_and_on_time(registry_url, IN_EAST, IN_WEST)


def test_overdue_cases_are_flagged_in_the_list_and_on_the_map(client: FlaskClient,
                                                             registry_url: str) -> None:
    late = overdue_case(registry_url)
    listed = client.get("/api/cases?overdue=1").get_json()
    assert [c["id"] for c in listed["cases"]] == [late]
    geojson = client.get("/api/cases/overdue.geojson").get_json()
    (feature,) = geojson["features"]
    assert (feature["id"], feature["geometry"]["coordinates"]) == (late, list(IN_EAST))
    assert feature["properties"]["category"] == "占道经营"
    page = client.get("/cases").get_data(as_text=True)
    assert f'<tr data-id="{late}" class="overdue"' in page
    assert "2 件 · <span class=\"overdue-count\">1 超期</span>" in page


def test_ranking_page_and_downloads(client: FlaskClient, registry_url: str) -> None:
    overdue_case(registry_url)
    page = client.get("/cases/ranking?month=2026-10&by=grid").get_data(as_text=True)
    assert "月度考评排名 · 2026-10 · 网格" in page
    assert ('<td class="unit">130102001</td><td class="name">建北街道</td><td class="accepted">1</td>'
            in page)
    assert '<td class="on_time_rate">100.0%</td>' in page and '<td class="on_time_rate">0.0%</td>' in page
    csv = client.get("/cases/ranking.csv?month=2026-10&by=street")
    assert csv.headers["Content-Disposition"] == "attachment; filename=ranking-2026-10-street.csv"
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("排名,街道办事处,受理数,立案数,应结案数,结案数,按期结案数")
    # One due case each: listed, not ranked (fewer than rank_min_due = 3).
    assert lines[1].startswith(",建北街道,1,1,1,1,1,0,0,100.0,100.0")
    assert lines[2].startswith(",青园街道,1,1,1,0,0,0,0,0.0,0.0")
    departments = client.get("/cases/ranking.csv?month=2026-10&by=department")
    rows = departments.data.decode("utf-8-sig").splitlines()[1:]
    # Specialist departments only, every one of them, zeros included; no street office.
    assert [r.split(",")[1] for r in rows] == ["市政管理处", "燃气公司", "环境卫生管理处",
                                               "裕华区环卫中心", "路灯管理处"]
    assert all(r.split(",")[2:5] == ["0", "0", "0"] for r in rows)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/cases/ranking.xlsx?month=2026-10").data))
    sheet = book.active
    assert [c.value for c in sheet[1]][:4] == ["排名", "责任网格", "名称", "受理数"]
    assert [c.value for c in sheet[2]][:4] == [None, "130102001", "建北街道", 1]


def test_ranking_refuses_unknown_units_and_formats(client: FlaskClient) -> None:
    assert client.get("/cases/ranking?month=2026-10&by=planet").status_code == 400
    assert client.get("/cases/ranking?month=10/2026").status_code == 400
    assert client.get("/cases/ranking.pdf?month=2026-10").status_code == 404


def test_a_provisional_deadline_is_marked_in_the_list_and_the_api(client: FlaskClient,
                                                                  registry_url: str) -> None:
    reg = registry.open(registry_url)
    new_year = file_dispatched(Cases(reg, load_rules()), "street_vending", IN_WEST,
                               "2026-12-31 17:00")
    reg.close()
    assert client.get(f"/api/cases/{new_year}").get_json()["provisional_years"] == [2027]
    page = client.get("/cases").get_data(as_text=True)
    assert '<abbr class="flag" title="工作日历尚无以下年份的节假日安排: 2027">暂定</abbr>' in page
