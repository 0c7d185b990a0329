"""The gas programme's rules, read from the files a city edits in ``layers/gas/``.

``network.toml`` (topology distances), ``scope.toml`` (renovation scope, pressure classes and
risk weights) and ``targets.toml`` (yearly targets). A missing or mistyped key is refused with
the file and key named.

>>> rules = load_rules()
>>> rules.scope["scope"]["min_age_years"], rules.network["near_miss_m"]
(20, 2.0)
>>> rules.target(2024), rules.target(2030)
({'mains': 0.8, 'valves': 0.8}, None)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from registry.errors import LayerDefinitionError
from registry.layers import LAYERS_DIR, read_toml

RULES_DIR = LAYERS_DIR / "gas"
NETWORK_KEYS = ("near_miss_m", "overlap_m", "valve_max_distance_m", "trace_search_m",
                "building_max_distance_m")
SCOPE_KEYS = ("scope", "pressure_classes", "likelihood", "consequence")


@dataclass(frozen=True)
class GasRules:
    """The three rule files, as read."""

    network: dict[str, Any]
    scope: dict[str, Any]
    targets: dict[str, Any]

    def target(self, year: int) -> dict[str, float] | None:
        """The shares due by the end of `year` as the file sets them for that year; None when
        it sets none (another year's targets are never reused: the city sets each year's)."""
        found = self.targets.get("years", {}).get(str(year))
        return dict(found) if found else None

    def pressure_band(self, pressure_class: str) -> "PressureBand | None":
        """The band of design pressures `pressure_class` allows, None for an unknown class."""
        found = self.scope["pressure_classes"].get(pressure_class)
        return PressureBand.from_rule(found) if found else None


@dataclass(frozen=True)
class PressureBand:
    """Design pressures a class allows, in MPa: from `low` (included or not) up to `high`
    (included or not), as GB 50028 writes them.

    >>> band = PressureBand.from_rule({"from": 0.01, "up_to": 0.2})
    >>> band.fits(np.array([0.005, 0.01, 0.2, 0.25])).tolist(), band.text
    ([False, True, True, False], '0.01 ≤ P ≤ 0.2 MPa')
    """

    low: float
    high: float
    low_included: bool
    high_included: bool

    @classmethod
    def from_rule(cls, rule: dict[str, float]) -> "PressureBand":
        low = rule.get("from", rule.get("above", 0.0))
        high = rule.get("up_to", rule.get("below", np.inf))
        return cls(float(low), float(high), "above" not in rule, "below" not in rule)

    def fits(self, mpa: np.ndarray) -> np.ndarray:
        """Whether each pressure lies in the band."""
        above = mpa >= self.low if self.low_included else mpa > self.low
        below = mpa <= self.high if self.high_included else mpa < self.high
        return above & below

    @property
    def text(self) -> str:
        low = f"{self.low:g} {'≤' if self.low_included else '<'} " if self.low > 0 else ""
        return f"{low}P {'≤' if self.high_included else '<'} {self.high:g} MPa"


def load_rules(directory: Path | str = RULES_DIR) -> GasRules:
    """Read and check the rule files in `directory`."""
    directory = Path(directory)
    network = _read(directory / "network.toml", NETWORK_KEYS)
    scope = _read(directory / "scope.toml", SCOPE_KEYS)
    targets = _read(directory / "targets.toml", ("years",))
    for key in NETWORK_KEYS:
        _number(directory / "network.toml", key, network[key])
    for year, shares in targets["years"].items():
        for what in ("mains", "valves"):
            _number(directory / "targets.toml", f"years.{year}.{what}", shares.get(what), 1.0)
    return GasRules(network, scope, targets)


def _read(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    data = read_toml(path)
    missing = [k for k in keys if k not in data]
    if missing:
        raise LayerDefinitionError(f"{path}: missing key {missing[0]!r}")
    return data


def _number(path: Path, key: str, value: Any, most: float | None = None) -> None:
    if not isinstance(value, (int, float)) or value < 0 or (most is not None and value > most):
        bound = f" between 0 and {most:g}" if most is not None else " of 0 or more"
        raise LayerDefinitionError(f"{path}: {key} must be a number{bound}, got {value!r}")
