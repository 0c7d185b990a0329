"""Column mapping: survey columns to layer fields by alias, then by the user's mapping file."""
from __future__ import annotations

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
