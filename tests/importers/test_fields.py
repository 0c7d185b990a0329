"""Column mapping: survey columns to layer fields by alias, then by the user's mapping file."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from importers.fields import map_fields, read_mapping
from registry.errors import InvalidInput
from registry.layers import load_layers

LAYERS = load_layers()


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_street_light_columns_map_to_lamp_posts_by_alias(shared_data: Path) -> None:
    # EditDate used to become install_year (6,038 lamp posts "installed" the year they were
    # last edited): an edit date is neither an install year nor an inspection date.
    lights = gpd.read_file(shared_data / "cambridge_ma/INFRA_StreetLights.geojson", rows=50)
    plan = map_fields(LAYERS["lamp_posts"], lights)
    assert plan.columns == {"PoleID": "source_id", "NumLamps": "lamp_count",
                            "StreetName": "road_name", "Owner": "owner"}
    assert plan.unmapped == ("Neighborhood", "Description", "FixtureType", "EditDate",
                             "StreetSuffix", "LEDchk", "Lamp2", "Lamp1", "Intersection",
                             "created_date", "last_edited_date", "Street_ID", "Pole_Num")


def test_aliases_ignore_case_and_surrounding_spaces() -> None:
    plan = map_fields(LAYERS["drains"], [" Depth ", "grate_TYPE", "井编号"])
    assert plan.columns == {" Depth ": "depth_m", "grate_TYPE": "grate_type",
                            "井编号": "source_id"}


def test_a_column_named_like_the_field_beats_an_alias() -> None:
    plan = map_fields(LAYERS["drains"], ["井深", "depth_m"])
    assert plan.columns == {"depth_m": "depth_m"}
    assert plan.unmapped == ("井深",)


def test_earlier_alias_wins_when_two_columns_could_feed_one_field() -> None:
    plan = map_fields(LAYERS["gas_mains"], ["管材", "材质"])
    assert plan.columns == {"材质": "material"}


def test_apply_renames_mapped_columns_and_keeps_row_and_geometry() -> None:
    plan = map_fields(LAYERS["drains"], ["井深", "备注", "_row"])
    frame = pd.DataFrame({"井深": [1.2], "备注": ["x"], "_row": [1]})
    assert list(plan.apply(frame).columns) == ["depth_m", "_row"]


def test_mapping_file_maps_columns_and_values(tmp_path: Path) -> None:
    mapping = read_mapping(write_mapping(tmp_path, """
        [fields]
        旧字段 = "material"
        编码 = "source_id"
        [values.material]
        灰铁 = "grey_cast_iron"
    """))
    plan = map_fields(LAYERS["gas_mains"], ["旧字段", "编码", "管径"], mapping)
    assert plan.columns == {"旧字段": "material", "编码": "source_id", "管径": "diameter_mm"}
    assert plan.value_maps == {"material": {"灰铁": "grey_cast_iron"}}


def test_mapping_file_naming_a_missing_column_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[fields]\n旧字段 = "material"\n')
    with pytest.raises(InvalidInput) as caught:
        map_fields(LAYERS["gas_mains"], ["管径", "编号"], read_mapping(path))
    assert str(caught.value) == (f"mapping file {path}: [fields] names column '旧字段', which "
                                 "the survey does not have; columns: 管径, 编号")


def test_mapping_file_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[fields]\n旧字段 = "colour"\n')
    with pytest.raises(InvalidInput, match="旧字段 = 'colour': layer gas_mains has no such field"):
        map_fields(LAYERS["gas_mains"], ["旧字段"], read_mapping(path))


def test_mapping_file_value_outside_the_domain_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[values.material]\n灰铁 = "grey_iron"\n')
    with pytest.raises(InvalidInput, match=r"\[values.material\] maps to \['grey_iron'\]"):
        map_fields(LAYERS["gas_mains"], [], read_mapping(path))


def test_mapping_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, "[fields\n")
    with pytest.raises(InvalidInput, match=f"mapping file {path}: not valid UTF-8 TOML"):
        read_mapping(path)


# -- names the layer file does not list: pinyin initials and unit suffixes ----------------
def test_pinyin_initials_come_from_the_layer_file_not_a_list() -> None:
    gas = LAYERS["gas_mains"]
    renamed = tuple(replace(f, zh="井盖材质", aliases=()) if f.name == "material" else f
                    for f in gas.fields)
    plan = map_fields(replace(gas, fields=renamed), pd.DataFrame({"JGCZ": ["PE", "钢管"]}))
    assert plan.columns == {"JGCZ": "material"}
    assert plan.decisions[0].why() == "pinyin initials JGCZ = 井盖材质; values fit 100% (2 of 2)"


def test_every_reading_of_a_polyphonic_character_is_a_code() -> None:
    plan = map_fields(LAYERS["bridges"], pd.DataFrame({"QC": [45.5], "QZ": [30.0]}))
    assert plan.columns == {"QC": "length_m"}  # 桥长 reads qiáo cháng; QZ stays unmapped


def test_a_two_letter_code_nothing_confirms_is_not_applied() -> None:
    # BZ is 班组 (crew) on valves, and 备注 (remarks) on half the files in the wild.
    plan = map_fields(LAYERS["safety_valves"], pd.DataFrame({"BZ": ["已入户", "复核"]}))
    assert plan.columns == {}
    assert plan.notes == ("未采用 Not applied: BZ: crew? pinyin initials BZ = 班组; "
                          "confidence 0.70 is below 0.75",)


def test_values_confirm_a_two_letter_code() -> None:
    plan = map_fields(LAYERS["gas_mains"], pd.DataFrame({"CZ": ["PE", "钢管"], "MS": [1.2, 0.8]}))
    assert plan.columns == {"CZ": "material", "MS": "depth_m"}


def test_a_column_named_as_the_field_is_kept_though_its_values_are_bad() -> None:
    # The header is the field's Chinese name: the contractor said what it is. Its bad values
    # are flagged record by record on import (kept raw), not the whole column dropped.
    plan = map_fields(LAYERS["drains"], pd.DataFrame({"建设年份": [1850, 1870, 2001]}))
    assert plan.columns == {"建设年份": "install_year"}
    assert plan.decisions[0].why() == (
        "Chinese name 建设年份; values fit 33% (1 of 3); e.g. 1850: "
        "outside install_year's range 1900–2035")


def test_an_alias_whose_values_do_not_fit_is_refuted() -> None:
    plan = map_fields(LAYERS["drains"], pd.DataFrame({"year": [1850, 1870, 2001]}))
    assert plan.columns == {}
    assert "confidence 0.32 is below 0.75" in plan.decisions[0].note


# -- the mapping file's new tables ---------------------------------------------------------
def test_mapping_file_gives_a_column_its_unit(tmp_path: Path) -> None:
    mapping = read_mapping(write_mapping(tmp_path, """
        [fields]
        DEPTH = {field = "depth_m", unit = "ft"}
        备注 = ""
    """))
    plan = map_fields(LAYERS["drains"], pd.DataFrame({"DEPTH": [10], "备注": ["井深"]}), mapping)
    assert (plan.columns, plan.units, plan.unmapped) == ({"DEPTH": "depth_m"}, {"DEPTH": "ft"},
                                                         ("备注",))
    assert plan.apply(pd.DataFrame({"DEPTH": [10, None]}))["depth_m"].tolist() == ["10 ft", None]


def test_mapping_file_unit_that_measures_something_else_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[fields]\nDEPTH = {field = "depth_m", unit = "kW"}\n')
    with pytest.raises(InvalidInput) as caught:
        map_fields(LAYERS["drains"], ["DEPTH"], read_mapping(path))
    assert str(caught.value) == (f"mapping file {path}: [fields] DEPTH: unit kW measures power, "
                                 "depth_m is a length (m)")


def test_mapping_file_field_table_with_other_keys_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[fields]\nDEPTH = {column = "DEPTH", unit = "ft"}\n')
    with pytest.raises(InvalidInput, match=r'DEPTH: write \{field = "FIELD", unit = "UNIT"\}'):
        read_mapping(path)


def test_mapping_file_defaults_and_coordinates(tmp_path: Path) -> None:
    mapping = read_mapping(write_mapping(tmp_path, """
        [defaults]
        bridge_type = "river"
        [coordinates]
        x = "XCOORD"
        y = "YCOORD"
        crs = "EPSG:4547"
    """))
    assert mapping.defaults == {"bridge_type": "river"}
    assert (mapping.coordinates.xy, mapping.coordinates.crs) == (("XCOORD", "YCOORD"),
                                                                 "EPSG:4547")
    plan = map_fields(LAYERS["bridges"], ["桥梁编号"], mapping)
    assert plan.defaults == {"bridge_type": "river"}


def test_mapping_file_default_outside_the_domain_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[defaults]\nbridge_type = "canal"\n')
    with pytest.raises(InvalidInput) as caught:
        map_fields(LAYERS["bridges"], ["桥梁编号"], read_mapping(path))
    assert str(caught.value).startswith(f"mapping file {path}: [defaults] bridge_type = 'canal': "
                                        "not one of bridge_type's values")


def test_mapping_file_coordinates_need_both_columns(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[coordinates]\nx = "XCOORD"\n')
    with pytest.raises(InvalidInput, match=r'\[coordinates\] needs x = "COLUMN" and y = "COLUMN"'):
        read_mapping(path)


def test_mapping_file_with_an_unknown_table_is_refused(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, '[columns]\nX = "x"\n')
    with pytest.raises(InvalidInput) as caught:
        read_mapping(path)
    assert str(caught.value) == (f"mapping file {path}: unknown tables ['columns']; expected "
                                 "[fields], [values.FIELD], [defaults], [coordinates]")
