"""The risk rule book: weights, costs and work rates of repair plans, read from
``layers/plans/risk.toml`` (data the city edits; the code only knows the term names).

>>> book = load_book()
>>> book.layers["drains"].likelihood["incidents"], book.layers["drains"].cost_yuan
(40.0, 400.0)
>>> "中山路" in book.main_roads
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from registry.errors import InvalidInput, LayerDefinitionError
from registry.events import EVENT_KINDS
from registry.layers import LAYERS_DIR, LayerLibrary, read_toml

RISK_FILE = LAYERS_DIR / "plans" / "risk.toml"
LIKELIHOOD_TERMS = ("condition", "age", "material", "incidents", "overdue")
CONSEQUENCE_TERMS = ("main_road", "neighbours", "crossing", "bridge_type", "span", "households")
_LAYER_KEYS = {"action", "todo", "cost_yuan", "per_crew_day", "inspection_field", "likelihood",
               "consequence", "neighbours", "crossing", "households", "materials",
               "bridge_types", "span"}


@dataclass(frozen=True)
class LayerRules:
    """How one layer's assets are scored, priced and planned."""

    layer: str
    action: str
    todo: str
    cost_yuan: float
    per_crew_day: float
    likelihood: Mapping[str, float]
    consequence: Mapping[str, float]
    inspection_field: str | None = None
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def param(self, term: str, name: str) -> Any:
        """A term's parameter, e.g. ``param("neighbours", "radius_m")``; broken file if absent."""
        try:
            return self.params[term][name]
        except KeyError:
            raise LayerDefinitionError(f"{RISK_FILE}: [{self.layer}] {term}.{name} is missing "
                                       f"(the {term} term needs it)") from None


@dataclass(frozen=True)
class RuleBook:
    """Every layer's rules plus the settings the terms share."""

    layers: Mapping[str, LayerRules]
    main_roads: tuple[str, ...]
    unknown: float
    incident_kinds: tuple[str, ...]
    incident_window_days: int
    incidents_full_at: float
    visit_kinds: tuple[str, ...]
    never_visited: float
    overdue_full_at: float
    age_full_at: float

    def rules(self, layer: str) -> LayerRules:
        """One layer's rules; InvalidInput naming the planned layers if it has none."""
        if layer not in self.layers:
            raise InvalidInput(f"layer {layer!r} has no repair-plan rules; planned layers: "
                               f"{', '.join(self.layers)}")
        return self.layers[layer]


def load_book(path: Path | str = RISK_FILE, layers: LayerLibrary | None = None) -> RuleBook:
    """Read and check the rule book; a broken file is refused with the key named."""
    path = Path(path)
    data = read_toml(path)
    shared = {"unknown", "main_roads", "incidents", "overdue", "age"}
    rules = {name: _layer_rules(path, name, entry) for name, entry in data.items()
             if name not in shared}
    if layers is not None:
        _check_layers(path, rules, layers)
    return _book(path, data, rules)


def _book(path: Path, data: dict, rules: dict[str, LayerRules]) -> RuleBook:
    incidents, overdue = data.get("incidents", {}), data.get("overdue", {})
    book = RuleBook(
        layers=rules, main_roads=tuple(data.get("main_roads", ())),
        unknown=float(data.get("unknown", 0.5)),
        incident_kinds=tuple(incidents.get("kinds", ())),
        incident_window_days=int(incidents.get("window_days", 365)),
        incidents_full_at=float(incidents.get("full_at", 1)),
        visit_kinds=tuple(overdue.get("visits", ())), never_visited=float(overdue.get("never", 1)),
        overdue_full_at=float(overdue.get("full_at_intervals", 1)),
        age_full_at=float(data.get("age", {}).get("full_at_life", 1)))
    for kind in book.incident_kinds + book.visit_kinds:
        _check(kind in EVENT_KINDS, path, "incidents/overdue", f"{kind!r} is no event kind")
    _check(book.incidents_full_at > 0 and book.overdue_full_at > 0 and book.age_full_at > 0,
           path, "full_at", "must be above 0")
    return book


def _layer_rules(path: Path, name: str, entry: dict) -> LayerRules:
    _check(isinstance(entry, dict), path, name, "must be a table of a layer's rules")
    unknown = set(entry) - _LAYER_KEYS
    _check(not unknown, path, name, f"has unknown keys {sorted(unknown)}")
    for key in ("action", "todo", "cost_yuan", "per_crew_day", "likelihood"):
        _check(key in entry, path, f"{name}.{key}", "is missing")
    _check(entry["action"] in EVENT_KINDS, path, f"{name}.action", "is no event kind")
    _check(entry["cost_yuan"] >= 0 and entry["per_crew_day"] > 0, path,
           f"{name}.cost_yuan/per_crew_day", "must be >= 0 and > 0")
    likelihood = _weights(path, f"{name}.likelihood", entry["likelihood"], LIKELIHOOD_TERMS)
    consequence = _weights(path, f"{name}.consequence", entry.get("consequence", {}),
                           CONSEQUENCE_TERMS)
    params = {k: v for k, v in entry.items() if isinstance(v, dict)
              and k not in ("likelihood", "consequence")}
    return LayerRules(layer=name, action=entry["action"], todo=entry["todo"],
                      cost_yuan=float(entry["cost_yuan"]),
                      per_crew_day=float(entry["per_crew_day"]), likelihood=likelihood,
                      consequence=consequence, inspection_field=entry.get("inspection_field"),
                      params=params)


def _weights(path: Path, key: str, table: dict, known: tuple[str, ...]) -> dict[str, float]:
    strange = set(table) - set(known)
    _check(not strange, path, key, f"names unknown terms {sorted(strange)}; terms: "
                                   f"{', '.join(known)}")
    _check(all(isinstance(w, (int, float)) and w >= 0 for w in table.values()), path, key,
           "weights must be numbers >= 0")
    return {term: float(weight) for term, weight in table.items()}


def _check_layers(path: Path, rules: dict[str, LayerRules], layers: LayerLibrary) -> None:
    for name, rule in rules.items():
        _check(name in layers and not layers[name].is_grid, path, name, "names no asset layer")
        if rule.inspection_field:
            _check(rule.inspection_field in layers[name].field_names, path,
                   f"{name}.inspection_field", f"names no field of {name}")


def _check(ok: bool, path: Path, key: str, problem: str) -> None:
    if not ok:
        raise LayerDefinitionError(f"{path}: key {key!r} {problem}")
