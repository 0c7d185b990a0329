"""Component states and status words as the layer files declare them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from registry.errors import LayerDefinitionError
from registry.layers import LAYERS_DIR, STATES, load_layers


def copy_layers(tmp_path: Path) -> Path:
    folder = tmp_path / "layers"
    shutil.copytree(LAYERS_DIR, folder)
    return folder


def test_the_states_are_gbt_30428_plus_unknown() -> None:
    states = load_layers().catalogue.states
    assert [(s, states[s]["zh"]) for s in STATES] == [
        ("intact", "完好"), ("damaged", "破损"), ("missing", "丢失"), ("occupied", "占用"),
        ("abandoned", "废弃"), ("unknown", "未知")]


def test_a_city_catalogue_with_the_four_old_states_still_loads(tmp_path) -> None:
    folder = copy_layers(tmp_path)
    text = (folder / "catalogue.toml").read_text(encoding="utf-8")
    text = text[:text.index("[states.occupied]")] + text[text.index("[states.abandoned]"):]
    (folder / "catalogue.toml").write_text(text[:text.index("[states.unknown]")], encoding="utf-8")
    states = load_layers(folder).catalogue.states
    assert (states["occupied"]["zh"], states["unknown"]["zh"]) == ("占用", "未知")


def test_every_layer_reads_gbt_words_and_the_lamp_its_own() -> None:
    layers = load_layers()
    assert layers["drains"].status.words["丢失"] == {"state": "missing"}
    assert layers["drains"].status.words["损坏"] == {"state": "damaged"}
    assert layers["lamp_posts"].status.words["不亮"] == {"lamp_status": "out"}
    assert layers["lamp_posts"].status.words["倾斜"] == {"state": "damaged"}
    assert "状态" not in layers["safety_valves"].status.aliases  # 状态 is its install status


def test_a_status_word_naming_a_value_the_field_lacks_is_refused(tmp_path) -> None:
    folder = copy_layers(tmp_path)
    path = folder / "lamp_posts.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '"不亮" = {lamp_status = "out"}', '"不亮" = {lamp_status = "dark"}'), encoding="utf-8")
    with pytest.raises(LayerDefinitionError, match=r"status.words.不亮.lamp_status.*'dark'"):
        load_layers(folder)
