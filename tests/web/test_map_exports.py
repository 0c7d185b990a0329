"""Exports reopened as the program people use would read them (csv, openpyxl): the selection's
CSV and the ranking's CSV and XLSX keep codes as text, neutralise formulas, have Chinese
headers (English with ``lang=en``) and local times; the selection lists what tells assets apart."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Callable

import geopandas as gpd
import openpyxl
import pytest
import shapely
from flask import Flask

from browser import city
from browser.city import build_city
from cases.casekit import late_and_on_time
from registry import Change
from open_access import OPEN
from web.app import create_app

TRAP = '=HYPERLINK("http://evil.example","看这里")'
WEST_POINT, EAST_POINT = (114.49, 38.025), (114.51, 38.025)


@pytest.fixture(scope="module")
def app(module_location: Callable[[], str]) -> Flask:
    """The synthetic city, one drain whose road a crew typed as a formula, two October cases."""
    location = module_location()
    reg = build_city(location)
    reg.add("drains", gpd.GeoDataFrame({"source_id": ["00987654"], "road_name": [TRAP], "condition": [3]},
                                       geometry=[shapely.Point(city.WEST + 0.0301, city.SOUTH + 0.0301)],
                                       crs=4490), Change(who="班组"))
    reg.close()
    late_and_on_time(location, WEST_POINT, EAST_POINT, "exposed_garbage")
    return create_app({"REGISTRY": location, **OPEN})


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_selection_csv_opens_right_in_excel(app: Flask) -> None:
    answer = app.test_client().get("/api/export", query_string={"layer": "drains", "ids": _uuid(app, "00987654"), "format": "csv"})
    header, row = rows_of(answer.data)
    cell = dict(zip(header, row))
    assert header[:3] == ["唯一标识", "部件编码", "原编号"] and header[-1] == "wkt"
    assert cell["部件编码"] == '="1301020104000401"'       # 16 digits stay 16 digits (drain 401)
    assert cell["原编号"] == '="00987654"'                      # the leading zeros stay
    assert cell["所在道路"] == "'" + TRAP                  # shown, never evaluated
    assert cell["状况等级"] == "3"
    registered = datetime.strptime(cell["登记时间 (北京时间)"], "%Y-%m-%d %H:%M")
    assert registered.year >= 2026
    english = app.test_client().get("/api/export", query_string={
        "layer": "drains", "ids": _uuid(app, "00987654"), "format": "csv", "lang": "en"})
    assert rows_of(english.data)[0][:3] == ["UUID", "GB/T code", "Survey id"]


def _uuid(app: Flask, source_id: str) -> str:
    hits = app.test_client().get("/api/search", query_string={"q": source_id}).json
    for hit in hits:
        shown = app.test_client().get(f"/api/assets/{hit['uuid']}").json["attributes"]
        if {"name": "source_id", "label": "原编号", "value": source_id} in shown:
            return hit["uuid"]
    raise AssertionError(f"no asset {source_id}")


def test_the_ranking_opens_right_in_csv_and_excel(app: Flask) -> None:
    client = app.test_client()
    header, *rows = rows_of(client.get("/cases/ranking.csv?month=2026-10&by=grid").data)
    assert header[:3] == ["排名", "责任网格", "名称"]
    assert {r[1] for r in rows} >= {'="130102001"', '="130102002"'}
    book = openpyxl.load_workbook(io.BytesIO(client.get("/cases/ranking.xlsx?month=2026-10&by=grid&lang=en").data))
    sheet = book.active
    assert [c.value for c in sheet[1]][:3] == ["Rank", "Grid", "Name"]
    codes = [sheet.cell(r, 2) for r in range(2, sheet.max_row + 1)]
    assert {c.value for c in codes} >= {"130102001", "130102002"} and {c.data_type for c in codes} == {"s"}
    figures = [sheet.cell(r, 4).value for r in range(2, sheet.max_row + 1)]
    assert all(isinstance(v, int) for v in figures)        # numbers stay numbers


def test_selections_list_place_and_condition_beside_the_code(app: Flask) -> None:
    answer = app.test_client().post("/api/select", json={"layer": "bridges", "grid": "130102002"})
    labels = sorted(f["label"] for f in answer.json["features"])
    assert labels == ["1301020205000001 · 和平路天桥 · 技术状况等级 D",
                      "1301020208000001 · 民心河桥 · 技术状况等级 A",
                      "1301020208000002 · 胜利桥 · 技术状况等级 E"]


def test_grids_come_with_the_box_the_map_zooms_to(app: Flask) -> None:
    first = app.test_client().get("/api/grids").json[0]
    assert first["bbox"] == pytest.approx([city.WEST, city.SOUTH, city.WEST + city.DLON, city.SOUTH + city.DLAT])
