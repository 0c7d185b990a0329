"""The city's case rules as data: categories, time limits, departments and the working calendar.

They live in ``layers/cases/`` (categories.toml, departments.toml, calendar.toml) so the
bureau edits them without touching code; a broken file is refused at start-up, naming it.

>>> rules = load_rules()
>>> rules.category("manhole_cover_missing").limit_minutes, rules.category("lamps_out_adjacent").limit_minutes
(120, 420)
>>> rules.department("street", {"street_office": "建北街道", "district": "长安区", "grid_code": "1"})
'建北街道'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from registry.cases.deadlines import (CLOCKS, Clock, WorkCalendar, calendar_from, clock_for,
                                      parse_limit)
from registry.errors import InvalidInput, LayerDefinitionError, RegistryError
from registry.layers import LAYERS_DIR, read_toml

RULES_DIR = LAYERS_DIR / "cases"
KINDS = {"component": "部件", "event": "事件"}
#: The move whose moment starts a case's clock: 派遣 by default, so the command centre's own
#: time between 立案 and 派遣 is not charged to the department.
CLOCK_STARTS = {"dispatch": "派遣", "register": "立案"}
_STREET_OFFICE = "{street_office}"


@dataclass(frozen=True)
class Category:
    """One kind of problem an inspector reports (案件类别)."""

    code: str
    zh: str
    en: str
    kind: str
    campaign: str
    role: str
    limit_minutes: int
    limit_text: str
    layer: str | None = None
    close_event: str | None = None
    close_condition: int | None = None
    #: ``working`` (office hours, working days) or ``natural`` (24 × 7, for emergencies).
    clock: str = "working"

    def title(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class CaseRules:
    """Everything a case needs from the city's files."""

    categories: Mapping[str, Category]
    campaigns: Mapping[str, str]
    roles: Mapping[str, Mapping[str, str]]
    overrides: tuple[Mapping[str, str], ...]
    calendar: WorkCalendar
    link_tolerance_m: float
    #: The move that starts the clock (a key of `CLOCK_STARTS`).
    clock_starts: str = "dispatch"
    #: Fewer due cases than this in a month: the unit is listed in the ranking, not ranked.
    rank_min_due: int = 3
    #: 案件来源 by code: {zh, citizen}; citizens' reports are followed up (回访) after 结案.
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def source(self, code: str) -> Mapping[str, Any]:
        """The source with this code; InvalidInput naming the known ones otherwise."""
        if code not in self.sources:
            raise InvalidInput(f"unknown case source {code!r}; known: {', '.join(self.sources)}")
        return self.sources[code]

    def clock(self, kind: str) -> Clock:
        """The clock named `kind`: the working calendar or natural time in its time zone."""
        return clock_for(kind, self.calendar)

    def category(self, code: str) -> Category:
        """The category with this code; InvalidInput naming the known ones otherwise."""
        if code not in self.categories:
            raise InvalidInput(f"unknown case category {code!r}; known: "
                               f"{', '.join(self.categories)}")
        return self.categories[code]

    def department(self, role: str, grid: Mapping[str, Any]) -> str:
        """Who handles `role` in `grid` (a grid override, a district override, the default)."""
        chosen = self.roles[role]["department"]
        for key in ("district", "grid_code"):  # later keys are narrower and win
            for rule in self.overrides:
                if rule["role"] == role and rule.get(key) and rule.get(key) == grid.get(key):
                    chosen = rule["department"]
        if chosen == _STREET_OFFICE:
            return str(grid.get("street_office") or grid.get("name") or grid["grid_code"])
        return chosen


def load_rules(directory: str | Path = RULES_DIR) -> CaseRules:
    """Read the three rule files in `directory`, refusing broken ones."""
    directory = Path(directory)
    calendar = calendar_from(read_toml(directory / "calendar.toml"))
    departments = read_toml(directory / "departments.toml")
    roles, overrides = departments.get("roles", {}), tuple(departments.get("overrides", []))
    path = directory / "categories.toml"
    data = read_toml(path)
    campaigns = data.get("campaigns", {})
    categories = {code: _category(path, code, entry, calendar, campaigns, roles)
                  for code, entry in data.get("categories", {}).items()}
    for rule in overrides:
        _check(rule.get("role") in roles, directory / "departments.toml", "overrides",
               f"names unknown role {rule.get('role')!r}")
    starts = data.get("clock_starts", "dispatch")
    _check(starts in CLOCK_STARTS, path, "clock_starts",
           f"must be one of {', '.join(CLOCK_STARTS)}")
    min_due = data.get("rank_min_due", 3)
    _check(isinstance(min_due, int) and min_due >= 1, path, "rank_min_due",
           "must be a whole number of at least 1")
    sources = data.get("sources", {"supervisor": {"zh": "监督员上报"}})
    for code, entry in sources.items():
        _check("zh" in entry, path, f"sources.{code}.zh", "is missing")
    return CaseRules(categories, campaigns, roles, overrides, calendar,
                     float(data.get("link_tolerance_m", 20.0)), starts, min_due, sources)


def _category(path: Path, code: str, entry: dict[str, Any], calendar: WorkCalendar,
              campaigns: Mapping[str, str], roles: Mapping[str, Any]) -> Category:
    where = f"categories.{code}"
    for key in ("zh", "en", "kind", "campaign", "role", "limit"):
        _check(key in entry, path, f"{where}.{key}", "is missing")
    _check(entry["kind"] in KINDS, path, f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    _check(entry["campaign"] in campaigns, path, f"{where}.campaign", "is not in [campaigns]")
    _check(entry["role"] in roles, path, f"{where}.role", "is not a role of departments.toml")
    clock = entry.get("clock", "working")
    _check(clock in CLOCKS, path, f"{where}.clock", f"must be one of {', '.join(CLOCKS)}")
    try:
        minutes = parse_limit(entry["limit"], clock_for(clock, calendar).day_minutes)
    except RegistryError as exc:
        raise LayerDefinitionError(f"{path}: key '{where}.limit' {exc}") from exc
    return Category(code, entry["zh"], entry["en"], entry["kind"], entry["campaign"],
                    entry["role"], minutes, entry["limit"], entry.get("layer"),
                    entry.get("close_event"), entry.get("close_condition"), clock)


def _check(ok: bool, path: Path, key: str, problem: str) -> None:
    if not ok:
        raise LayerDefinitionError(f"{path}: key {key!r} {problem}")
