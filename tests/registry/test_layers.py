"""Layer files are data: read as written, and a broken one is refused with file and key."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from registry.errors import LayerDefinitionError, NotFound
from registry.layers import LAYERS_DIR, load_layers


def test_every_layer_of_the_census_is_defined() -> None:
    lib = load_layers()
    assert {name: lib[name].zh for name in lib} == {
        "bridges": "桥梁", "drains": "收水井", "gas_mains": "庭院燃气管道", "grids": "责任网格",
        "lamp_posts": "路灯", "safety_valves": "燃气安全自闭阀"}
    assert lib.grid_layer.name == "grids"
    material = lib["gas_mains"].field("material")
    assert material.value_aliases["灰口铸铁"] == "grey_cast_iron"
    assert "管径" in lib["gas_mains"].field("diameter_mm").aliases
    assert lib["gas_mains"].field("diameter_mm").label() == "管径 (mm)"


def test_bridge_condition_follows_cjj99() -> None:
    scale = load_layers()["bridges"].condition
    assert [scale.classify(s) for s in (95, 90, 85, 70, 66, 55, 49.9, 0)] == \
        ["A", "A", "B", "C", "C", "D", "E", "E"]


def test_the_city_catalogue_is_a_file_the_city_can_replace(tmp_path: Path) -> None:
    layers = _copy(tmp_path)
    text = (layers / "catalogue.toml").read_text(encoding="utf-8")
    (layers / "catalogue.toml").write_text(text.replace('zh = "路灯"', 'zh = "道路照明灯"'),
                                           encoding="utf-8")
    assert load_layers(layers).catalogue.class_name("0118") == "道路照明灯"


@pytest.mark.parametrize("old, new, message", [
    ('geometry = ["Point"]', 'geometry = ["Pointy"]', "key 'geometry[0]' is 'Pointy'"),
    ('gbt_class = "0104"', 'gbt_class = "0999"', "key 'gbt_class' '0999' is not in the catalogue"),
    ('type = "float"', 'type = "double"', "key 'fields[3].type' is 'double'"),
    ('range = [0.2, 10.0]', 'range = [10.0, 0.2]', "key 'fields[3].range' must be [min, max]"),
    ('name = "drains"', 'name = "sewers"', "key 'name' must match the file name 'drains'"),
])
def test_a_broken_layer_file_is_refused_naming_file_and_key(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    layers = _copy(tmp_path)
    path = layers / "drains.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LayerDefinitionError) as caught:
        load_layers(layers)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_unparseable_toml_names_the_file(tmp_path: Path) -> None:
    layers = _copy(tmp_path)
    (layers / "drains.toml").write_text("name = ", encoding="utf-8")
    with pytest.raises(LayerDefinitionError, match="drains.toml"):
        load_layers(layers)


def test_unknown_layer_lists_the_known_ones() -> None:
    with pytest.raises(NotFound, match="unknown layer 'sewers'; layers: bridges, drains"):
        load_layers()["sewers"]


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "layers"
    shutil.copytree(LAYERS_DIR, target)
    return target
