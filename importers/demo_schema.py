"""How demo surveys label their columns and values, and what a generated survey carries.

Contractors write Chinese headers and Chinese value spellings. The demo takes both from the
layer definitions (a field's first alias, its ``value_aliases``), so the files exercise
the importer's mapping with exactly the names the layer files promise to understand.

>>> header("drains", "depth_m"), id_header("drains")
('井深', '编号')
>>> spell("lamp_posts", "lamp_type", np.array(["LED", "HPS"]), np.random.default_rng(0)).tolist()
['LED灯', '高压钠灯']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Mapping

import geopandas as gpd
import numpy as np

from registry.layers import LayerLibrary, load_layers


@cache
def _layers() -> LayerLibrary:
    return load_layers()


def header(layer: str, field_name: str) -> str:
    """The column header a contractor writes for a field: its first alias in the layer file."""
    return _layers()[layer].field(field_name).aliases[0]


def id_header(layer: str) -> str:
    """The header of the survey's own id column: the layer's first source-id alias."""
    return _layers()[layer].source_id_aliases[0]


def spellings(layer: str, field_name: str, value: str) -> list[str]:
    """Every spelling the layer file accepts for `value`, the usual one first.

    >>> spellings("bridges", "bridge_type", "footbridge")
    ['过街天桥', '人行天桥', '天桥']
    """
    aliases = _layers()[layer].field(field_name).value_aliases
    return [spelling for spelling, canonical in aliases.items() if canonical == value]


def spell(layer: str, field_name: str, values: np.ndarray, rng: np.random.Generator,
          variants: float = 0.0, usual: Mapping[str, str] | None = None) -> np.ndarray:
    """Each canonical value as a survey writes it: the usual spelling (the layer file's first,
    unless `usual` names another), or with probability `variants` any accepted spelling
    (surveyors are not consistent)."""
    written = np.empty(len(values), dtype=object)
    for value in np.unique(values):
        choices = spellings(layer, field_name, value)
        if usual and value in usual:
            choices.insert(0, choices.pop(choices.index(usual[value])))
        at = np.flatnonzero(values == value)
        pick = np.where(rng.random(at.size) < variants, rng.integers(0, len(choices), at.size), 0)
        written[at] = np.array(choices, dtype=object)[pick]
    return written


@dataclass
class Survey:
    """One generated survey before it is written: its rows, the traps set in it, the outcome.

    ``frame`` holds the survey columns (Chinese headers) and true positions in EPSG:4547;
    the writer moves them into the file's own CRS and format. ``expect`` says what a correct
    import reports: ``records`` rows read, ``rejected`` refused, ``duplicates`` repeating
    an earlier source id, ``warned`` imported with a warning.
    """

    layer: str
    file: str
    frame: gpd.GeoDataFrame
    traps: list[str]
    expect: dict[str, int]
    options: dict[str, Any] = field(default_factory=dict)

    def manifest_entry(self) -> dict[str, Any]:
        """The survey's line in ``manifest.json``."""
        return {"layer": self.layer, "file": self.file, "import": self.options,
                "traps": self.traps, "expect": self.expect}


def expect(records: int, rejected: int = 0, flagged: int = 0, duplicates: int = 0,
           warned: int = 0) -> dict[str, int]:
    """The import outcome a survey is built to produce: the counts of its import report
    (rejected: not written; flagged: written with a value left empty for review; warned:
    written with a value corrected; duplicates: held for a person).

    >>> expect(10, rejected=1)
    {'records': 10, 'rejected': 1, 'flagged': 0, 'duplicates': 0, 'warned': 0}
    """
    return {"records": records, "rejected": rejected, "flagged": flagged,
            "duplicates": duplicates, "warned": warned}


def scaled(count: float, scale: float, least: int = 1) -> int:
    """`count` at scale 1 times `scale`, never below `least` (every trap survives small scales).

    >>> scaled(6000, 0.01), scaled(3, 0.01)
    (60, 1)
    """
    return max(least, round(count * scale))
