"""Faithful intake of values (issue 13, items 3-5), on files a contractor would deliver.

Each survey is written to a real CSV, shapefile or GeoPackage, imported with
`import_survey` into a real GeoPackage registry, and the stored assets are read back field by
field: only unusable records are rejected, a bad value is left empty and flagged with its raw
value, status words become the component state (never an invented ``intact``), and text
destroyed before delivery is flagged per record.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import registry
from importers.pipeline import import_survey
from importers.report import write_rejects
from registry import Query

#: Shijiazhuang, in CGCS2000 lon/lat: inside the default registry's area.
LON, LAT = 114.50, 38.04


@pytest.fixture
def reg(tmp_path: Path) -> registry.Registry:
    return registry.create(tmp_path / "city.gpkg", county="130102")


def points(n: int) -> list[shapely.Point]:
    """`n` points 20 m apart: far enough that none is a probable duplicate of another."""
    return [shapely.Point(LON + i * 0.0003, LAT) for i in range(n)]


def write_csv(path: Path, columns: dict[str, list], encoding: str = "utf-8-sig") -> Path:
    """A CSV as Excel saves it, with 经度/纬度 columns."""
    frame = pd.DataFrame(columns)
    xy = points(len(frame))
    frame["经度"], frame["纬度"] = [p.x for p in xy], [p.y for p in xy]
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def stored(reg: registry.Registry, layer: str, columns: list[str]) -> list[list]:
    """The layer's assets as the user reads them, ordered by source id, None for empty."""
    frame = reg.query(Query(layer)).sort_values("source_id")[["source_id", *columns]]
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def problems(report, action: str) -> list[list]:
    """Row, field and raw value of each problem with this action, as the report lists them."""
    return [[p["row"], p["field"], p["value"]] for p in report.problems if p["action"] == action]


# -- status words → component state ---------------------------------------------------------
def test_drain_status_words_become_the_component_state(reg, tmp_path) -> None:
    path = write_csv(tmp_path / "收水井.csv", {
        "编号": ["YS-1", "YS-2", "YS-3", "YS-4", "YS-5", "YS-6"],
        "状态": ["完好", "破损", "丢失", " 占用 ", "", "损坏"],
        "井深": ["1.2", "0.8", "1.0", "1.1", "0.9", "1.3"]})
    report = import_survey(reg, path, "drains", who="王工")
    assert (report.accepted, report.rejected, report.flagged) == (6, 0, 0)
    assert report.columns["状态"] == "state" and "状态" not in report.unmapped
    assert stored(reg, "drains", ["state", "depth_m"]) == [
        ["YS-1", "intact", 1.2], ["YS-2", "damaged", 0.8], ["YS-3", "missing", 1.0],
        ["YS-4", "occupied", 1.1], ["YS-5", "unknown", 0.9], ["YS-6", "damaged", 1.3]]


def test_a_survey_without_a_status_column_stores_unknown_not_intact(reg, tmp_path) -> None:
    path = write_csv(tmp_path / "drains.csv", {"编号": ["YS-1", "YS-2"], "井深": ["1", "2"]})
    import_survey(reg, path, "drains", who="王工")
    assert stored(reg, "drains", ["state"]) == [["YS-1", "unknown"], ["YS-2", "unknown"]]
    assert reg.layers.catalogue.states["unknown"]["zh"] == "未知"


def test_an_unknown_status_word_is_flagged_and_the_state_left_unknown(reg, tmp_path) -> None:
    path = write_csv(tmp_path / "drains.csv", {"编号": ["YS-1", "YS-2"], "状态": ["完好", "待查"]})
    report = import_survey(reg, path, "drains", who="王工")
    assert (report.accepted, report.rejected, report.flagged) == (2, 0, 1)
    assert problems(report, "flagged") == [[2, "state", "待查"]]
    assert "not a status word of layer drains" in report.problem_table["reason"].iloc[0]
    assert stored(reg, "drains", ["state"]) == [["YS-1", "intact"], ["YS-2", "unknown"]]


def test_lamp_status_words_fill_lamp_status_and_state(reg, tmp_path) -> None:
    path = write_csv(tmp_path / "路灯.csv", {
        "灯杆编号": ["LD-1", "LD-2", "LD-3", "LD-4", "LD-5"],
        "状态": ["正常", "不亮", "倾斜", "灯杆倾斜", "缺损"],
        "功率": ["150W", "150W", "250W", "250W", "100W"]})
    report = import_survey(reg, path, "lamp_posts", who="王工")
    assert (report.accepted, report.rejected, report.flagged) == (5, 0, 0)
    assert stored(reg, "lamp_posts", ["state", "lamp_status", "wattage_w"]) == [
        ["LD-1", "intact", "lit", 150], ["LD-2", "unknown", "out", 150],
        ["LD-3", "damaged", None, 250], ["LD-4", "damaged", None, 250],
        ["LD-5", "damaged", None, 100]]


def test_a_status_word_contradicting_the_lamp_status_column_is_flagged(reg, tmp_path) -> None:
    path = write_csv(tmp_path / "路灯.csv", {"灯杆编号": ["LD-1", "LD-2"],
                                             "亮灯状态": ["亮", "亮"], "状态": ["正常", "不亮"]})
    report = import_survey(reg, path, "lamp_posts", who="王工")
    assert problems(report, "flagged") == [[2, "lamp_status", "lit"]]
    assert report.problem_table["reason"].iloc[0] == "column 状态 says out"
    assert stored(reg, "lamp_posts", ["lamp_status"]) == [["LD-1", "lit"], ["LD-2", "lit"]]


# -- one bad optional value: the record is kept, the field flagged --------------------------
def bad_value_survey(folder: Path) -> Path:
    """Drains whose every record has one value that cannot be stored as surveyed."""
    return write_csv(folder / "收水井.csv", {
        "编号": ["YS-1", "YS-2", "YS-3", "YS-4", "YS-5", "YS-6"],
        "最近清掏日期": ["2019/5/3 下午 3:20:00", "2019/5/3 上午 9:05", "2019年5月3日",
                   "5/3/2019 3:20 PM", "2019-05-03", "2019-05-03"],
        "井深": ["1.2", "3 furlongs", "1.0", "0.9", "1.1", "0.05"],
        "井体材质": ["砖砌", "混凝土", "木头", "砖", "砖", "砖"],
        "连接管管径": ["300", "300", "300", "762/610/457", "DN100、DN150", "200"],
        "箅子类型": ["平箅", "立箅", "联合式", "平箅", "平箅", "平箅"]})


def test_one_bad_optional_value_keeps_the_asset_and_flags_the_field(reg, tmp_path) -> None:
    report = import_survey(reg, bad_value_survey(tmp_path), "drains", who="王工")
    assert (report.total, report.accepted, report.rejected, report.flagged) == (6, 6, 0, 5)
    assert problems(report, "flagged") == [
        [2, "depth_m", "3 furlongs"], [3, "material", "木头"],
        [4, "outfall_pipe_mm", "762/610/457"], [5, "outfall_pipe_mm", "DN100、DN150"],
        [6, "depth_m", "0.05"]]
    reasons = report.problem_table.set_index(["row", "field"])["reason"]
    assert reasons[(2, "depth_m")] == "unknown unit"
    assert reasons[(4, "outfall_pipe_mm")] == (
        "several values in one cell (762/610/457): none picked, kept raw for review")
    assert reasons[(6, "depth_m")] == "below the minimum 0.2 m: left empty for review"
    assert stored(reg, "drains", ["last_cleaned", "depth_m", "material", "outfall_pipe_mm",
                                  "grate_type"]) == [
        ["YS-1", "2019-05-03", 1.2, "brick", 300, "flat"],
        ["YS-2", "2019-05-03", None, "concrete", 300, "vertical"],
        ["YS-3", "2019-05-03", 1.0, None, 300, "combined"],
        ["YS-4", "2019-05-03", 0.9, "brick", None, "flat"],
        ["YS-5", "2019-05-03", 1.1, "brick", None, "flat"],
        ["YS-6", "2019-05-03", None, "brick", 200, "flat"]]


def test_flags_reach_the_summary_the_rejects_file_and_the_batch(reg, tmp_path) -> None:
    report = import_survey(reg, bad_value_survey(tmp_path), "drains", who="王工")
    assert "待复核 Flagged: 5" in report.summary().splitlines()
    assert "  flagged: row 3, material, '木头': not one of material's values" in report.summary()
    rejects = pd.read_csv(write_rejects(report, tmp_path / "rejects.csv"), encoding="utf-8-sig",
                          dtype=str)
    assert rejects[["row", "field", "value", "action"]].values.tolist()[:2] == [
        ["2", "depth_m", "3 furlongs", "flagged"], ["3", "material", "木头", "flagged"]]
    counts = reg.batches()[0]["counts"]
    counts = json.loads(counts) if isinstance(counts, str) else counts
    assert (counts["accepted"], counts["rejected"], counts["flagged"]) == (6, 0, 5)


def test_only_unusable_records_are_rejected(reg, tmp_path) -> None:
    """No geometry, outside the registry's area, an identity already taken: nothing to write."""
    survey = gpd.GeoDataFrame(
        {"编号": ["YS-1", "YS-2", "YS-3", "YS-1", "YS-5"],
         "井深": ["9 furlongs", "1", "1", "1", "1.5"]},
        geometry=[shapely.Point(LON, LAT), None, shapely.Point(120.0, 30.0),
                  shapely.Point(LON + 0.001, LAT), shapely.Point(LON + 0.002, LAT)], crs=4490)
    path = tmp_path / "drains.gpkg"
    survey.to_file(path, layer="drains", engine="pyogrio")
    report = import_survey(reg, path, "drains", who="王工")
    assert (report.accepted, report.rejected, report.flagged) == (2, 3, 1)
    assert problems(report, "rejected") == [
        [2, "geometry", None], [3, "geometry", "120.000000, 30.000000"],
        [4, "source_id", "YS-1"]]
    assert stored(reg, "drains", ["depth_m"]) == [["YS-1", None], ["YS-5", 1.5]]


def test_a_required_field_the_whole_file_lacks_is_flagged_not_rejected(reg, tmp_path) -> None:
    decks = [shapely.box(LON + i * 0.001, LAT, LON + i * 0.001 + 0.0002, LAT + 0.0001)
             for i in range(2)]
    survey = gpd.GeoDataFrame({"桥梁编号": ["QL-1", "QL-2"], "桥梁名称": ["民心桥", "建华桥"]},
                              geometry=decks, crs=4490)
    path = tmp_path / "bridges.gpkg"
    survey.to_file(path, engine="pyogrio")
    report = import_survey(reg, path, "bridges", who="王工")
    assert (report.accepted, report.rejected, report.flagged) == (2, 0, 2)
    assert problems(report, "flagged") == [[1, "bridge_type", None], [2, "bridge_type", None]]
    assert "the file has no column for it" in report.problem_table["reason"].iloc[0]
    assert stored(reg, "bridges", ["bridge_type", "gbt_code"]) == [
        ["QL-1", None, None], ["QL-2", None, None]]


def test_yes_no_words_with_stray_spaces_and_full_width(reg, tmp_path) -> None:
    lines = [shapely.LineString([(LON + i * 0.001, LAT), (LON + i * 0.001 + 0.0005, LAT)])
             for i in range(5)]
    survey = gpd.GeoDataFrame({"管段编号": [f"GM-{i}" for i in range(1, 6)],
                               "阴极保护": [" 是 ", "否\u3000", "ＹＥＳ", "\u200b有", "maybe"]},
                              geometry=lines, crs=4490)
    path = tmp_path / "gas.gpkg"
    survey.to_file(path, engine="pyogrio")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\n阴极保护 = "cathodic_protection"\n', encoding="utf-8")
    report = import_survey(reg, path, "gas_mains", who="王工", mapping=mapping)
    assert problems(report, "flagged") == [[5, "cathodic_protection", "maybe"]]
    assert [v for _, v in stored(reg, "gas_mains", ["cathodic_protection"])] == [
        True, False, True, True, None]


def test_a_resurvey_with_bad_values_does_not_erase_what_the_registry_holds(reg, tmp_path) -> None:
    first = write_csv(tmp_path / "a.csv", {"编号": ["YS-1", "YS-2"], "井深": ["1.5", "1.6"],
                                            "井体材质": ["砖", "砖"], "状态": ["破损", "完好"]})
    import_survey(reg, first, "drains", who="王工")
    again = write_csv(tmp_path / "b.csv", {"编号": ["YS-1", "YS-2"], "井深": ["3 furlongs", "1.7"],
                                            "井体材质": ["木头", "砖"], "状态": ["", "待查"]})
    report = import_survey(reg, again, "drains", who="王工")
    # Both records are new versions: YS-1's fields keep what the registry held, but what the
    # re-survey said ("3 furlongs", 木头, an empty 状态) is kept in its source attributes.
    assert (report.updated, report.flagged) == (2, 2)
    assert report.problem_table["reason"].iloc[0] == (
        "unknown unit; the registry keeps its stored value")
    assert stored(reg, "drains", ["depth_m", "material", "state", "version"]) == [
        ["YS-1", 1.5, "brick", "damaged", 2], ["YS-2", 1.7, "brick", "intact", 2]]


def test_a_resurvey_that_only_changes_the_status_updates_the_state(reg, tmp_path) -> None:
    first = write_csv(tmp_path / "a.csv", {"编号": ["YS-1", "YS-2"], "状态": ["完好", "完好"]})
    import_survey(reg, first, "drains", who="王工")
    again = write_csv(tmp_path / "b.csv", {"编号": ["YS-1", "YS-2"], "状态": ["丢失", ""]})
    report = import_survey(reg, again, "drains", who="王工")
    # YS-2's empty 状态 keeps its stored state; the new version records only that the
    # re-survey's own record (its source attributes) changed.
    assert (report.updated, report.unchanged) == (2, 0)
    assert stored(reg, "drains", ["state", "version"]) == [["YS-1", "missing", 2],
                                                           ["YS-2", "intact", 2]]


# -- text destroyed before delivery -----------------------------------------------------------
def test_destroyed_gbk_text_is_flagged_per_record(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({
        "编号": ["YS-1", "YS-2", "YS-3"],
        "所在道路": ["建设大街", "锟斤拷锟斤拷大街", "中山路"],
        "备注": ["", "", "锟斤拷"]}, geometry=points(3), crs=4490)
    path = tmp_path / "收水井.shp"
    survey.to_file(path, encoding="GBK", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    report = import_survey(reg, path, "drains", who="王工")
    assert report.encoding == "gb18030"
    assert (report.accepted, report.rejected, report.flagged) == (3, 0, 2)
    assert problems(report, "flagged") == [[2, "road_name", "锟斤拷锟斤拷大街"], [3, "备注", "锟斤拷"]]
    assert set(report.problem_table["reason"]) == {
        "text destroyed before delivery (锟斤拷 / � are what is left of characters lost in a "
        "GBK↔UTF-8 round trip): ask the contractor for the original"}
    assert stored(reg, "drains", ["road_name"]) == [["YS-1", "建设大街"], ["YS-2", None],
                                                    ["YS-3", "中山路"]]


def test_replacement_characters_in_a_utf8_csv_are_flagged(reg, tmp_path) -> None:
    path = write_csv(tmp_path / "drains.csv", {"编号": ["YS-1", "YS-2"],
                                               "所在道路": ["建设\ufffd\ufffd街", "ï¿½ï¿½路"]})
    report = import_survey(reg, path, "drains", who="王工")
    assert problems(report, "flagged") == [[1, "road_name", "建设\ufffd\ufffd街"],
                                           [2, "road_name", "ï¿½ï¿½路"]]
    assert stored(reg, "drains", ["road_name"]) == [["YS-1", None], ["YS-2", None]]


def test_the_registry_file_holds_unknown_for_qgis(reg, tmp_path) -> None:
    """A QGIS user opening the GeoPackage reads the state as stored: unknown, not intact."""
    import_survey(reg, write_csv(tmp_path / "d.csv", {"编号": ["YS-1"]}), "drains", who="王工")
    with sqlite3.connect(tmp_path / "city.gpkg") as db:
        assert db.execute("SELECT state FROM drains").fetchall() == [("unknown",)]


def test_the_asset_panel_reads_the_surveyed_and_the_unknown_state(reg, tmp_path) -> None:
    from web.map.labels import attributes
    path = write_csv(tmp_path / "d.csv", {"编号": ["YS-1", "YS-2", "YS-3"], "状态": ["占用", "", "丢失"]})
    import_survey(reg, path, "drains", who="王工")
    drains = reg.query(Query("drains")).sort_values("source_id")
    shown = [next(r["value"] for r in attributes(reg.layers, reg.layers["drains"], row, {}, "zh")
                  if r["name"] == "state") for row in drains.to_dict("records")]
    assert shown == ["占用", "未知", "丢失"]


def test_a_grid_without_its_code_is_rejected_a_missing_required_identifier(reg, tmp_path) -> None:
    cells = [shapely.box(LON, LAT, LON + 0.01, LAT + 0.01),
             shapely.box(LON + 0.01, LAT, LON + 0.02, LAT + 0.01)]
    grids = gpd.GeoDataFrame({"网格编码": ["130102001", None], "网格名称": ["建北", "无码"]},
                             geometry=cells, crs=4490)
    path = tmp_path / "grids.gpkg"
    grids.to_file(path, engine="pyogrio")
    report = import_survey(reg, path, "grids", who="王工")
    assert (report.accepted, report.rejected) == (1, 1)
    assert report.problems[0] == {"row": 2, "field": "source_id", "value": None, "reason":
                                  "required: a grid's code (网格编码) is its identity",
                                  "action": "rejected"}


def test_flags_and_states_on_each_storage_backend(registry_url: str, tmp_path) -> None:
    """The same survey into a GeoPackage and into PostGIS: the same values stored."""
    reg = registry.create(registry_url, county="130102")
    path = write_csv(tmp_path / "收水井.csv", {"编号": ["YS-1", "YS-2", "YS-3"],
                                                "状态": ["破损", "", "丢失"],
                                                "井深": ["1.2", "3 furlongs", "762/610"]})
    report = import_survey(reg, path, "drains", who="王工")
    assert (report.accepted, report.rejected, report.flagged) == (3, 0, 2)
    assert stored(reg, "drains", ["state", "depth_m"]) == [
        ["YS-1", "damaged", 1.2], ["YS-2", "unknown", None], ["YS-3", "missing", None]]
