"""Value normalisation: what a data manager sees for the spellings real surveys use."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from importers.values import Normalised, check_pressure_class, normalise, parse_column
from registry.layers import load_layers

LAYERS = load_layers()


def parse(layer: str, field: str, raw: list, value_map: dict | None = None):
    series = pd.Series(raw, index=range(1, len(raw) + 1))
    return parse_column(series, LAYERS[layer].field(field), value_map)


def test_domain_words_ignore_case_spaces_and_full_width() -> None:
    parsed = parse("gas_mains", "material", ["PE管", "灰口铸铁", " pe ", "ＰＥ", "Hdpe", "钢 管"])
    assert parsed.values.tolist() == ["pe", "grey_cast_iron", "pe", "pe", "pe", "steel"]
    assert parsed.failed.isna().all()


def test_null_spellings_become_missing_without_a_problem() -> None:
    parsed = parse("gas_mains", "material", ["N/A", "<空>", "null", "NULL", "无", "-", "/", "", None])
    assert parsed.values.isna().all()
    assert parsed.failed.isna().all()


def test_unknown_domain_word_fails_with_the_fix() -> None:
    parsed = parse("gas_mains", "material", ["木头", "PE"])
    assert parsed.values.tolist() == [None, "pe"]
    assert parsed.failed[1] == ("not one of material's values (grey_cast_iron, ductile_iron, "
                                "steel, pe, other); add it to the mapping file under "
                                "[values.material]")


def test_mapping_file_values_extend_the_layer_aliases() -> None:
    parsed = parse("gas_mains", "material", ["灰铁", "灰口铸铁"], {"灰铁": "grey_cast_iron"})
    assert parsed.values.tolist() == ["grey_cast_iron", "grey_cast_iron"]


@pytest.mark.parametrize("layer, field, raw, expected", [
    ("lamp_posts", "pole_height_m", "16 ft", 4.88),
    ("drains", "outfall_pipe_mm", "300mm", 300),
    ("drains", "outfall_pipe_mm", "DN300", 300),
    ("drains", "outfall_pipe_mm", "ＤＮ３００", 300),
    ("drains", "depth_m", "0.4米", 0.4),
    ("drains", "depth_m", "30cm", 0.3),
    ("lamp_posts", "wattage_w", "250W", 250),
    ("lamp_posts", "wattage_w", "0.4 kW", 400),
    ("gas_mains", "pressure_mpa", "4kPa", 0.004),
    ("drains", "depth_m", "1,200 mm", 1.2),
    ("drains", "depth_m", 1.25, 1.25),
])
def test_numbers_with_units_convert_to_the_field_unit(layer, field, raw, expected) -> None:
    parsed = parse(layer, field, [raw])
    assert parsed.values[1] == expected
    assert parsed.failed.isna().all()


@pytest.mark.parametrize("field, raw, reason", [
    ("outfall_pipe_mm", "300 W", "unit does not measure what outfall_pipe_mm (mm) measures"),
    ("outfall_pipe_mm", "300 furlongs", "unknown unit"),
    ("condition", "3 m", "condition takes a plain number, no unit"),
    ("condition", "good", "not a number"),
    ("condition", "2.5", "not a whole number"),
])
def test_numbers_that_cannot_be_placed_fail(field, raw, reason) -> None:
    parsed = parse("drains", field, [raw])
    assert parsed.values.isna().all()
    assert parsed.failed[1] == reason


def test_zero_is_unknown_when_the_range_starts_above_zero() -> None:
    lamps = parse("lamp_posts", "lamp_count", [0.0, 2.0])
    assert lamps.values.tolist() == [pd.NA, 2]
    assert lamps.altered[1] == "0 read as unknown: lamp_count starts at 1"
    households = parse("gas_mains", "households", [0])  # range starts at 0: a real zero
    assert households.values.tolist() == [0]


@pytest.mark.parametrize("raw, expected", [
    ("2005年5月", "2005-05-01"), ("2005年5月3日", "2005-05-03"), ("2005-05-03", "2005-05-03"),
    ("2005/5/3", "2005-05-03"), ("5/3/2005", "2005-05-03"), ("2005", "2005-01-01"),
    ("20050503", "2005-05-03"), ("2023-02-16 00:00:00", "2023-02-16"),
    (1115078400000, "2005-05-03"), (-3029443200000, "1874-01-01"),
])
def test_dates_in_the_spellings_surveys_use(raw, expected) -> None:
    parsed = parse("safety_valves", "install_date", [raw])
    assert parsed.values[1] == expected
    assert parsed.failed.isna().all()


@pytest.mark.parametrize("raw, reason", [
    ("2005-02-30", "no such day"),
    ("0911", "year 0911 is implausible (expected 1800–{latest})"),
    ("soon", "not a date (e.g. 2005-05-03, 2005年5月, 5/3/2005, 2005 or epoch milliseconds)"),
])
def test_dates_that_cannot_be_placed_fail(raw, reason) -> None:
    latest = pd.Timestamp.today().year + 1
    parsed = parse("safety_valves", "install_date", [raw])
    assert parsed.values.isna().all()
    assert parsed.failed[1] == reason.format(latest=latest)


def test_year_fields_take_dates_and_years() -> None:
    parsed = parse("lamp_posts", "install_year", ["2014", "2005年5月", "2005-05-03", 1115078400000])
    assert parsed.values.tolist() == [2014, 2005, 2005, 2005]


def test_hydrant_install_dates_epoch_ms_before_1970_and_a_year_0911(shared_data) -> None:
    hydrants = gpd.read_file(shared_data / "cambridge_ma/INFRA_Hydrants.geojson")
    hydrants.index += 1
    parsed = parse_column(hydrants["INSTALLDATE"], LAYERS["safety_valves"].field("install_date"))
    assert parsed.values.notna().sum() == 1883
    before_1970 = parsed.values[hydrants["INSTALLDATE"] < 0].dropna()
    assert len(before_1970) == 883 and before_1970.str[:4].astype(int).lt(1970).all()
    assert parsed.values[1] == "1874-01-01"
    assert parsed.failed.dropna().to_dict() == {
        1044: f"year 0911 is implausible (expected 1800–{pd.Timestamp.today().year + 1})"}
    assert set(parsed.altered.dropna()) == {"0 read as unknown: no date"}
    assert parsed.altered.notna().sum() == 5


def test_yes_and_no_spellings() -> None:
    # No layer has a yes/no field yet, so the test defines one the way a layer file would.
    from registry.layers import Field
    flag = Field(name="illegal_dumping", type="bool", zh="倾倒垃圾", en="Dumping")
    raw = pd.Series(["是", "否", "有", "无", "Y", "n", "yes", "NO", "true", "False", 1, 0, "也许"])
    parsed = parse_column(raw, flag)
    assert parsed.values.tolist()[:12] == [True, False] * 6
    assert parsed.failed.dropna().tolist() == [
        "not yes or no (是/否, 有/无, Y/N, true/false, 1/0)"]


def test_normalise_reports_row_field_value_and_reason() -> None:
    frame = pd.DataFrame({"material": ["PE管", "木头"], "diameter_mm": ["DN100", "0"],
                          "source_id": [12.0, np.nan]}, index=[7, 8])
    out = normalise(frame, LAYERS["gas_mains"])
    assert out.frame["source_id"].tolist() == ["12", None]
    assert out.flags[["row", "field", "value", "action"]].values.tolist() == [
        [8, "material", "木头", "flagged"]]
    assert out.corrections[["row", "field", "value", "reason"]].values.tolist() == [
        [8, "diameter_mm", "0", "0 read as unknown: diameter_mm starts at 15"]]


def test_swapped_medium_pressure_classes_are_corrected_and_misfits_flagged() -> None:
    frame = pd.DataFrame({"pressure_class": ["medium_b", "medium_a", "low", "medium_b", "low"],
                          "pressure_mpa": [0.3, 0.1, 0.2, 0.005, 0.008]}, index=[1, 2, 3, 4, 5])
    out = check_pressure_class(Normalised(frame))
    assert out.frame["pressure_class"].tolist() == ["medium_a", "medium_b", None, None, "low"]
    assert out.corrections["row"].tolist() == [1, 2]
    assert out.corrections["reason"][0] == (
        "pressure 0.3 MPa does not fit 中压B medium_b (0.01 ≤ P ≤ 0.2 MPa); "
        "it fits 中压A medium_a (0.2 < P ≤ 0.4 MPa): class corrected")
    assert out.flags[["row", "reason", "action"]].values.tolist() == [
        [3, "pressure 0.2 MPa does not fit 低压 low (P < 0.01 MPa): class left empty for review",
         "flagged"],
        [4, "pressure 0.005 MPa does not fit 中压B medium_b (0.01 ≤ P ≤ 0.2 MPa): class left empty "
            "for review", "flagged"]]


@pytest.mark.parametrize("raw", ["2019/5/3 下午 3:20:00", "2019/5/3 上午 9:05", "2019/5/3下午3:20",
                                 "2019年5月3日", "2019 年 5 月 3 日", "5/3/2019 3:20 PM",
                                 "2019-05-03 03:20:00 PM", "2019-05-03T15:20:00+08:00",
                                 "２０１９/5/3", "20190503"])
def test_dates_as_inventories_write_them(raw) -> None:
    parsed = parse("drains", "last_cleaned", [raw])
    assert (parsed.values[1], parsed.failed[1], parsed.altered[1]) == ("2019-05-03", None, None)


def test_a_time_does_not_eat_into_the_day() -> None:
    # With spaces dropped, "2019/5/1 12:30" read as "2019/5/112:30": the 11th.
    assert parse("drains", "last_cleaned", ["2019/5/1 12:30"]).values.tolist() == ["2019-05-01"]


def test_a_date_without_its_day_is_stored_as_the_first_with_a_note() -> None:
    parsed = parse("drains", "last_cleaned", ["2019.05", "2019年5月"])
    assert parsed.values.tolist() == ["2019-05-01", "2019-05-01"]
    assert parsed.altered.tolist() == ["no day given: stored as 2019-05-01"] * 2


@pytest.mark.parametrize("layer, field, raw", [
    ("drains", "outfall_pipe_mm", "762/610/457"), ("drains", "outfall_pipe_mm", "DN100、DN150"),
    ("gas_mains", "diameter_mm", "DN100；DN150"), ("drains", "material", "砖/混凝土"),
    ("drains", "install_year", "1998/2005"), ("drains", "last_cleaned", "2019-05-03、2019-06-01"),
])
def test_several_values_in_one_cell_are_kept_raw_and_none_is_picked(layer, field, raw) -> None:
    parsed = parse(layer, field, [raw])
    assert pd.isna(parsed.values[1])
    assert parsed.failed[1] == f"several values in one cell ({raw}): none picked, kept raw for review"


def test_yes_no_words_with_stray_whitespace_full_width_and_zero_width_marks() -> None:
    parsed = parse("gas_mains", "cathodic_protection",
                   [" 是 ", "否\u3000", "ＹＥＳ", "\u200b有", "Ｎ", "不是", "✓", "maybe"])
    assert parsed.values.tolist()[:7] == [True, False, True, True, False, False, True]
    assert parsed.failed.tolist()[:7] == [None] * 7 and parsed.failed[8].startswith("not yes or no")


def test_a_pressure_of_0_01_mpa_is_medium_b_by_gb_50028() -> None:
    frame = pd.DataFrame({"pressure_class": ["low", "medium_b"], "pressure_mpa": [0.01, 0.01]},
                         index=[1, 2])
    checked = check_pressure_class(Normalised(frame))
    assert checked.frame["pressure_class"].tolist() == [None, "medium_b"]
    assert checked.flags["reason"].tolist() == [
        "pressure 0.01 MPa does not fit 低压 low (P < 0.01 MPa): class left empty for review"]
