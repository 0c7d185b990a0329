"""Surveys as contractors deliver them, imported with no mapping file: pinyin-coded columns,
unit-suffixed headers, edit dates, grate materials, defaults — every stored value checked."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import registry
from importers.mapping_plan import propose_mapping
from importers.pipeline import import_survey
from registry import Query
from registry.layers import load_layers

LAYERS = load_layers()


@pytest.fixture
def reg(tmp_path: Path) -> registry.Registry:
    return registry.create(tmp_path / "sjz.gpkg", county="130102")


def mains(n: int) -> list[shapely.LineString]:
    """Short mains in CGCS2000 GK CM 114°E, inside Shijiazhuang."""
    return [shapely.LineString([(500000 + i * 50, 4210000), (500040 + i * 50, 4210010)])
            for i in range(n)]


def inlets(n: int) -> list[shapely.Point]:
    return [shapely.Point(114.50 + i * 0.001, 38.04) for i in range(n)]


def stored(reg: registry.Registry, layer: str, columns: list[str]) -> list[list]:
    frame = reg.query(Query(layer)).sort_values("source_id")
    return frame[["source_id", *columns]].astype(object).where(frame.notna(), None).values.tolist()


def pinyin_gas_survey(folder: Path) -> Path:
    """A pipeline-survey shapefile whose headers are pinyin initials of the Chinese names,
    its text GBK with no .cpg, as contractors deliver it."""
    survey = gpd.GeoDataFrame({
        "GDBH": ["GM-001", "GM-002", "GM-003"],
        "CZ": ["灰口铸铁", "PE", "球墨铸铁"],          # 材质
        "GJ": [100, 160, 150],                        # 管径
        "YLJZ": ["低压", "低压", "中压B"],             # 压力级制
        "JSND": [1988, 2012, 2003],                   # 建设年代
        "SSXQ": ["建华小区", "裕华小区", "建华小区"],  # 所属小区
        "MS": [1.2, 0.9, 1.5],                        # 埋深
        "BZ": ["已巡检", "", "待复核"]},              # 备注: no field
        geometry=mains(3), crs=4547)
    path = folder / "庭院管道.shp"
    survey.to_file(path, encoding="GBK", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def test_pinyin_coded_gas_mains_are_stored_field_by_field(reg, tmp_path) -> None:
    report = import_survey(reg, pinyin_gas_survey(tmp_path), "gas_mains", who="王工")
    assert (report.accepted, report.rejected, report.encoding) == (3, 0, "gb18030")
    assert report.columns == {"GDBH": "source_id", "CZ": "material", "GJ": "diameter_mm",
                              "YLJZ": "pressure_class", "JSND": "install_year",
                              "SSXQ": "courtyard", "MS": "depth_m"}
    assert report.unmapped == ("BZ",)
    assert stored(reg, "gas_mains", ["material", "diameter_mm", "pressure_class",
                                     "install_year", "courtyard", "depth_m"]) == [
        ["GM-001", "grey_cast_iron", 100, "low", 1988, "建华小区", 1.2],
        ["GM-002", "pe", 160, "low", 2012, "裕华小区", 0.9],
        ["GM-003", "ductile_iron", 150, "medium_b", 2003, "建华小区", 1.5]]


def test_unit_suffixed_headers_are_matched_and_their_unit_applied(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({
        "管段编号": ["GM-1", "GM-2"], "管径(mm)": [100, 200],
        "埋深(英尺)": [3.0, 5.0], "敷设年份": [1990, 2001]}, geometry=mains(2), crs=4547)
    survey.to_file(tmp_path / "mains.gpkg", engine="pyogrio")
    report = import_survey(reg, tmp_path / "mains.gpkg", "gas_mains", who="王工")
    assert report.columns == {"管段编号": "source_id", "管径(mm)": "diameter_mm",
                              "埋深(英尺)": "depth_m", "敷设年份": "install_year"}
    assert "单位 Unit: 埋深(英尺) gives its plain numbers in 英尺; converted to m" in report.notes
    # 3 ft = 0.9144 m and 5 ft = 1.524 m, kept to the field's centimetres.
    assert stored(reg, "gas_mains", ["diameter_mm", "depth_m"]) == [
        ["GM-1", 100, 0.91], ["GM-2", 200, 1.52]]


def test_full_width_brackets_and_an_underscore_unit(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({"编号": ["YS-1", "YS-2"], "井深（m）": ["1.2", "0.8"],
                               "DEPTH_FT": [4.0, 2.0]}, geometry=inlets(2), crs=4490)
    plan = propose_mapping(LAYERS["drains"], survey.drop(columns="geometry"), "drains.gpkg")
    assert [(c.column, c.field, c.unit) for c in plan.columns] == [
        ("编号", "source_id", None), ("井深（m）", "depth_m", "m"), ("DEPTH_FT", None, None)]
    assert plan.columns[2].why == "depth_m is fed by column 井深（m） (alias depth; unit FT " \
                                  "from the header; values fit 100% (2 of 2))"


def test_a_unit_measuring_the_wrong_thing_is_not_applied(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({"管段编号": ["GM-1"], "埋深(W)": [3.0]},
                              geometry=mains(1), crs=4547)
    survey.to_file(tmp_path / "mains.gpkg", engine="pyogrio")
    report = import_survey(reg, tmp_path / "mains.gpkg", "gas_mains", who="王工")
    assert report.unmapped == ("埋深(W)",)
    assert "未采用 Not applied: 埋深(W): depth_m? Chinese name 埋深; unit W from " \
           "the header; unit W measures power, depth_m is a length (m); confidence 0.00 is " \
           "below 0.75" in report.notes
    assert stored(reg, "gas_mains", ["depth_m"]) == [["GM-1", None]]


def lamp_survey(folder: Path, **columns: list) -> Path:
    survey = gpd.GeoDataFrame({"灯杆编号": ["LD-1", "LD-2"], "灯杆高度": [8.0, 10.0], **columns},
                              geometry=inlets(2), crs=4490)
    path = folder / "路灯.geojson"
    survey.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def test_an_edit_date_is_no_install_year(reg, tmp_path) -> None:
    path = lamp_survey(tmp_path, EditDate=["2019-03-04 10:22:00", "2020-11-30 16:05:00"])
    report = import_survey(reg, path, "lamp_posts", who="王工")
    assert "EditDate" in report.unmapped
    assert stored(reg, "lamp_posts", ["pole_height_m", "install_year"]) == [
        ["LD-1", 8.0, None], ["LD-2", 10.0, None]]


def test_timestamps_under_a_year_header_are_not_taken_for_years(reg, tmp_path) -> None:
    path = lamp_survey(tmp_path, 安装年份=["2019-03-04 10:22:00", "2020-11-30 16:05:00"])
    report = import_survey(reg, path, "lamp_posts", who="王工")
    assert report.unmapped == ("安装年份",)
    assert "未采用 Not applied: 安装年份: install_year? Chinese name 安装年份; " \
           "values fit 0% (0 of 2); e.g. 2019-03-04 10:22:00: a date and time, not a year: " \
           "install_year wants the year itself; confidence 0.00 is below 0.75" in report.notes
    assert stored(reg, "lamp_posts", ["install_year"]) == [["LD-1", None], ["LD-2", None]]


def test_drain_material_holding_grate_materials_goes_to_grate_material(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({"编号": ["YS-1", "YS-2", "YS-3"],
                               "材质": ["铸铁", "球墨铸铁", "铸铁"], "井深": [1.2, 0.9, 1.0]},
                              geometry=inlets(3), crs=4490)
    survey.to_file(tmp_path / "雨水箅子.gpkg", engine="pyogrio")
    report = import_survey(reg, tmp_path / "雨水箅子.gpkg", "drains", who="王工")
    assert (report.accepted, report.rejected) == (3, 0)
    assert report.columns["材质"] == "grate_material"
    assert stored(reg, "drains", ["grate_material", "material"]) == [
        ["YS-1", "cast_iron", None], ["YS-2", "ductile_iron", None], ["YS-3", "cast_iron", None]]


def test_both_materials_of_a_drain_find_their_fields(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({"编号": ["YS-1", "YS-2"], "箅子材质": ["铸铁", "复合材料"],
                               "材质": ["砖砌", "混凝土"]}, geometry=inlets(2), crs=4490)
    survey.to_file(tmp_path / "drains.gpkg", engine="pyogrio")
    import_survey(reg, tmp_path / "drains.gpkg", "drains", who="王工")
    assert stored(reg, "drains", ["grate_material", "material"]) == [
        ["YS-1", "cast_iron", "brick"], ["YS-2", "composite", "concrete"]]


def test_values_fitting_two_fields_equally_are_left_for_review() -> None:
    survey = pd.DataFrame({"编号": ["YS-1"], "材质": ["混凝土"]})  # a body and a grate material
    plan = propose_mapping(LAYERS["drains"], survey, "drains.csv")
    assert (plan.columns[1].field, plan.columns[1].why) == (
        None, "ambiguous: grate_material or material fit equally well; say which in the "
              "mapping file")


def test_a_default_fills_only_a_field_the_survey_lacks(reg, tmp_path) -> None:
    lines = [shapely.LineString([(114.50 + i * 0.01, 38.04), (114.5005 + i * 0.01, 38.04)])
             for i in range(2)]
    survey = gpd.GeoDataFrame({"桥梁编号": ["QL-1", "QL-2"], "桥名": ["民心河桥", "石津桥"]},
                              geometry=lines, crs=4490)
    survey.to_file(tmp_path / "桥梁.gpkg", engine="pyogrio")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[defaults]\nbridge_type = "跨河桥"\n', encoding="utf-8")
    report = import_survey(reg, tmp_path / "桥梁.gpkg", "bridges", who="王工", mapping=mapping)
    assert stored(reg, "bridges", ["name", "bridge_type"]) == [
        ["QL-1", "民心河桥", "river"], ["QL-2", "石津桥", "river"]]
    assert "默认值 Default: bridge_type = '跨河桥' on every record (the survey has no column " \
           "for it)" in report.notes
    assert report.problem_table[["row", "field", "value", "action"]].values.tolist() == [
        [1, "bridge_type", "跨河桥", "corrected"], [2, "bridge_type", "跨河桥", "corrected"]]


def test_a_default_never_replaces_what_the_survey_says(reg, tmp_path) -> None:
    survey = gpd.GeoDataFrame({"桥梁编号": ["QL-1"], "桥梁类型": ["过街天桥"]},
                              geometry=[shapely.LineString([(114.5, 38.04), (114.5005, 38.04)])],
                              crs=4490)
    survey.to_file(tmp_path / "桥梁.gpkg", engine="pyogrio")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[defaults]\nbridge_type = "river"\n', encoding="utf-8")
    report = import_survey(reg, tmp_path / "桥梁.gpkg", "bridges", who="王工", mapping=mapping)
    assert stored(reg, "bridges", ["bridge_type"]) == [["QL-1", "footbridge"]]
    assert any(n.startswith("默认值 Default not used: bridge_type") for n in report.notes)


def test_two_fields_with_the_same_initials_are_told_apart_by_the_values() -> None:
    gas = LAYERS["gas_mains"]
    # 管径 (diameter) and, on this city's files, 管级 (pressure grade) are both GJ.
    fields = tuple(replace(f, aliases=(*f.aliases, "管级")) if f.name == "pressure_class" else f
                   for f in gas.fields)
    layer = replace(gas, fields=fields)
    diameters = propose_mapping(layer, pd.DataFrame({"GJ": [100, 150]}), "a.shp").columns[0]
    grades = propose_mapping(layer, pd.DataFrame({"GJ": ["低压", "中压B"]}), "b.shp").columns[0]
    assert (diameters.field, grades.field) == ("diameter_mm", "pressure_class")
    unknown = propose_mapping(layer, pd.DataFrame({"GJ": [None, None]}), "c.shp").columns[0]
    assert (unknown.field, unknown.why) == (None, "diameter_mm? pinyin initials "
                                            "GJ = 管径; confidence 0.70 is below 0.75")


def test_the_proposal_is_plain_data_for_the_web_upload() -> None:
    survey = pd.DataFrame({"CZ": ["PE", "PE", "木头"], "备注": ["x", None, "y"]})
    data = propose_mapping(LAYERS["gas_mains"], survey, "mains.csv").to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["columns"][0] == {
        "column": "CZ", "field": "material", "confidence": 0.8, "unit": None,
        "why": "pinyin initials CZ = 材质; values fit 67% (2 of 3); e.g. '木头': not one of "
               "material's values (grey_cast_iron, ductile_iron, steel, pe, other)",
        "samples": ["PE", "木头"],
        "values": [{"value": "PE", "count": 2, "becomes": "pe"},
                   {"value": "木头", "count": 1, "becomes": None}]}
    assert data["columns"][1]["field"] is None
