"""CSV/TSV/Excel surveys: delimiters, encodings as Excel saves them, coordinate column names."""
import numpy as np
import pandas as pd
import pytest
import shapely

from importers.sources import read_survey
from registry.errors import InvalidInput

ROWS = [("SJZ-001", "雨水箅子", 114.48, 38.03), ("SJZ-002", "铸铁井盖", 114.52, 38.05),
        ("0103", "长安区中山路", 114.61, 37.99)]


def table_text(columns, delimiter=",", rows=ROWS, decimal="."):
    lines = [delimiter.join(columns)]
    for row in rows:
        lines.append(delimiter.join(str(v).replace(".", decimal) if isinstance(v, float)
                                    else v for v in row))
    return "\r\n".join(lines) + "\r\n"


def points(raw):
    return shapely.get_coordinates(raw.frame.geometry.values).round(8).tolist()


@pytest.mark.parametrize("encoding, expected, note", [
    ("utf-8", "utf-8", "detected: UTF-8 scored best"),
    ("utf-8-sig", "utf-8-sig", "declared: utf-8-sig byte-order mark"),
    ("gbk", "gb18030", "detected: GB18030 scored best")])
def test_csv_in_the_encodings_excel_and_others_save(tmp_path, encoding, expected, note):
    path = tmp_path / "drains.csv"
    path.write_bytes(table_text(["编号", "名称", "经度", "纬度"]).encode(encoding))
    raw = read_survey(path)
    assert raw.format == "CSV"
    assert (raw.encoding, raw.encoding_note.startswith(note)) == (expected, True)
    assert raw.frame["名称"].tolist() == [r[1] for r in ROWS]
    assert raw.frame["编号"].tolist() == ["SJZ-001", "SJZ-002", "0103"]  # text kept as text
    assert points(raw) == [[r[2], r[3]] for r in ROWS]
    assert raw.source_crs == "EPSG:4490" and raw.crs_note.startswith("assumed: coordinates are lon/lat")


@pytest.mark.parametrize("columns", [
    ["id", "name", "lon", "lat"], ["id", "name", "Longitude", "Latitude"],
    ["id", "name", "lng", "lat"], ["id", "name", "X", "Y"], ["id", "name", "经度(°)", "纬度(°)"]])
def test_coordinate_column_names_are_recognised(tmp_path, columns):
    path = tmp_path / "drains.csv"
    path.write_text(table_text(columns), encoding="utf-8")
    assert points(read_survey(path)) == [[r[2], r[3]] for r in ROWS]


def test_semicolon_with_decimal_commas_and_tab_separated(tmp_path):
    semicolon = tmp_path / "drains.csv"
    semicolon.write_text(table_text(["id", "name", "lon", "lat"], ";", decimal=","), "utf-8")
    tab = tmp_path / "drains.tsv"
    tab.write_text(table_text(["id", "name", "lon", "lat"], "\t"), "utf-8")
    assert points(read_survey(semicolon)) == [[r[2], r[3]] for r in ROWS]
    raw = read_survey(tab)
    assert raw.format == "TSV" and points(raw) == [[r[2], r[3]] for r in ROWS]


def test_surveyors_x_is_the_northing_in_gauss_kruger(tmp_path):
    from pyproj import Transformer
    east, north = Transformer.from_crs(4490, 4547, always_xy=True).transform(
        [r[2] for r in ROWS], [r[3] for r in ROWS])
    rows = [(r[0], r[1], n, e) for r, e, n in zip(ROWS, east, north)]
    path = tmp_path / "wells.csv"
    path.write_text(table_text(["编号", "名称", "X坐标", "Y坐标"], rows=rows), encoding="utf-8")
    raw = read_survey(path)
    assert raw.source_crs == "EPSG:4547"
    assert "x held northings" in raw.warnings[0]
    assert np.allclose(points(raw), [[r[2], r[3]] for r in ROWS], atol=1e-7)


def test_wkt_column(tmp_path):
    path = tmp_path / "mains.csv"
    path.write_text('编号,wkt\nGM-1,"LINESTRING (114.5 38.0, 114.51 38.0)"\nGM-2,not wkt\nGM-3,\n',
                    encoding="utf-8")
    raw = read_survey(path)
    assert raw.frame.geometry.iloc[0].length == pytest.approx(0.01)
    assert raw.frame.geometry.isna().tolist() == [False, True, True]
    assert raw.warnings == ["row 2: wkt 'not wkt' is not WKT; geometry left empty"]


def test_bad_coordinates_are_named_and_the_rest_read(tmp_path):
    path = tmp_path / "drains.csv"
    path.write_text("编号,经度,纬度\nA,114.5,38.0\nB,114.5a,38.0\nC,,\n", encoding="utf-8")
    raw = read_survey(path)
    assert raw.frame.geometry.isna().tolist() == [False, True, True]
    assert raw.warnings == ["row 2: 经度 '114.5a', 纬度 '38.0' is not a coordinate pair; "
                            "geometry left empty"]


def test_table_without_coordinates_is_refused_naming_the_columns(tmp_path):
    path = tmp_path / "drains.csv"
    path.write_text("编号,名称\nA,雨水箅子\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"^drains.csv: no coordinate columns .* among 编号, 名称$"):
        read_survey(path)


def test_excel_workbook_picks_the_sheet_with_coordinates(tmp_path):
    path = tmp_path / "lamps.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        pd.DataFrame({"说明": ["2024 年路灯普查"]}).to_excel(book, sheet_name="说明", index=False)
        pd.DataFrame(ROWS, columns=["编号", "名称", "经度", "纬度"]).to_excel(
            book, sheet_name="路灯", index=False)
        pd.DataFrame(ROWS, columns=["编号", "名称", "经度", "纬度"]).to_excel(
            book, sheet_name="旧表", index=False)
    with pytest.raises(InvalidInput, match=r"lamps.xlsx holds 3 sheets \(说明, 路灯, 旧表\)"):
        read_survey(path)
    raw = read_survey(path, layer_name="路灯")
    assert (raw.format, raw.layer_name, raw.encoding_note) == ("Excel", "路灯", "Excel stores text as Unicode")
    assert raw.frame["名称"].tolist() == [r[1] for r in ROWS]
    assert points(raw) == [[r[2], r[3]] for r in ROWS]


def test_excel_with_one_data_sheet_needs_no_name(tmp_path):
    path = tmp_path / "lamps.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        pd.DataFrame({"说明": ["2024 年路灯普查"]}).to_excel(book, sheet_name="说明", index=False)
        pd.DataFrame(ROWS, columns=["编号", "名称", "lon", "lat"]).to_excel(
            book, sheet_name="路灯", index=False)
    assert read_survey(path).layer_name == "路灯"
