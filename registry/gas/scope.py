"""Which courtyard mains the renovation programme takes in, segment by segment, and why.

The rules are ``layers/gas/scope.toml`` (defaults: the national 2022–2025 plan): all grey cast
iron; ductile iron (not fit for service); steel and PE in service for ≥ 20 years AND assessed
hazardous — by the ``hazard_assessed`` attribute, a maintenance event of a hazard kind (leak),
or an inspection that left the main at a bad condition grade. Each main's pressure class is
checked against its stated design pressure. Nothing is dropped: mains whose material, age,
pressure class or courtyard is unknown are listed in ``problems`` and still counted.

>>> import tempfile, registry, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/s.gpkg", county="130102")
>>> mains = gpd.GeoDataFrame({"material": ["grey_cast_iron", "pe"], "install_year": [1985, 2015],
...     "courtyard": ["和平小区", None], "pressure_class": ["low", "medium_a"],
...     "pressure_mpa": [0.005, 0.15]}, geometry=[shapely.LineString([(114.5, 38.04),
...     (114.501, 38.04)])] * 2, crs=4490)
>>> _ = reg.add("gas_mains", mains, registry.Change(who="demo"))
>>> result = renovation_scope(reg, year=2026)
>>> result.segments["in_scope"].tolist(), [p["field"] for p in result.problems]
([True, False], ['pressure_mpa', 'courtyard'])
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from registry.gas.rules import GasRules, load_rules
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

#: A problem found on a main: its row, the field, the value and why.
Found = tuple[Any, str, Any, str]

SEGMENT_COLUMNS = ["uuid", "source_id", "courtyard", "grid_code", "material", "install_year",
                   "age", "length_m", "households", "renovation_status", "hazard", "leaks",
                   "in_scope", "reason"]
#: The columns of the layer the scope and the courtyard scores read (not the rest: the read
#: of a city's mains is much of the scope's cost).
MAIN_FIELDS = ["source_id", "courtyard", "grid_code", "material", "install_year", "households",
               "renovation_status", "hazard_assessed", "pressure_class", "pressure_mpa",
               "cathodic_protection"]


@dataclass
class Scope:
    """Every main with its verdict (``segments``), what could not be judged (``problems``),
    and the mains as read (``mains``: the `MAIN_FIELDS` and geometry)."""

    segments: pd.DataFrame
    problems: list[dict[str, Any]]
    mains: gpd.GeoDataFrame


def renovation_scope(reg: Registry, rules: GasRules | None = None, year: int | None = None,
                     mains: gpd.GeoDataFrame | None = None) -> Scope:
    """Judge every main of the layer (or `mains`) against the scope rules as of `year`."""
    rules = rules or load_rules()
    year = year or date.today().year
    if mains is None:
        mains = reg.query(Query("gas_mains", properties=MAIN_FIELDS))
    mains = mains.reset_index(drop=True)
    frame = mains.drop(columns=mains.geometry.name).copy()
    frame["length_m"] = reg.length_m(mains.geometry.to_numpy())
    frame["age"] = year - pd.to_numeric(frame["install_year"], errors="coerce")
    history = maintenance_history(reg, frame["uuid"].tolist(), rules)
    frame["leaks"] = history["leaks"].to_numpy()
    frame["hazard"] = _hazard(frame, history)
    frame["in_scope"], frame["reason"] = _verdicts(frame, rules.scope["scope"])
    found = _material_problems(frame) + _pressure_problems(frame, rules)
    found += _missing(frame, "courtyard", "no courtyard (小区): counted under 未归属小区")
    return Scope(frame[SEGMENT_COLUMNS], _problems(frame, found), mains)


def maintenance_history(reg: Registry, uuids: list[str], rules: GasRules) -> pd.DataFrame:
    """Per main: how many leaks were recorded, and the event (if any) marking it hazardous.

    Worked out on the whole event table at once: a city's mains carry tens of thousands of
    events, and a Python pass per main cost more than reading them."""
    kinds = rules.scope["scope"]["hazard_event_kinds"]
    worst = rules.scope["scope"]["hazard_inspection_condition"]
    events = pd.DataFrame(reg.storage.events_of(uuids),
                          columns=["uuid", "kind", "date", "condition_after"])
    marking = events["kind"].isin(kinds) | (
        (events["kind"] == "inspection") & (_grades(events["condition_after"]) >= worst))
    last = events[marking].drop_duplicates("uuid", keep="last").set_index("uuid")
    marked_by = (last["kind"].astype(str) + " " + last["date"].astype(str)).reindex(uuids)
    leaks = events.loc[events["kind"] == "leak", "uuid"].value_counts().reindex(uuids)
    return pd.DataFrame({"leaks": leaks.fillna(0).astype(int).to_numpy(),
                         "marked_by": marked_by.astype(object).where(marked_by.notna(), None)
                         .to_numpy()})


def _grades(values: pd.Series) -> np.ndarray:
    """Each condition as a number (-inf when it is none), `_grade` run once per distinct value."""
    codes, distinct = pd.factorize(values)
    return np.array([_grade(v) for v in distinct] + [-np.inf])[codes]


def _grade(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return -np.inf


def _hazard(frame: pd.DataFrame, history: pd.DataFrame) -> list[str | None]:
    """Why a main counts as hazardous (attribute or event), None when it does not."""
    assessed = frame["hazard_assessed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return np.where(assessed, "hazard_assessed", history["marked_by"].to_numpy(dtype=object)
                    ).tolist()


def _verdicts(frame: pd.DataFrame, scope: dict[str, Any]) -> tuple[list[bool], list[str]]:
    columns = (frame[c].tolist() for c in ("material", "age", "hazard", "renovation_status"))
    verdicts = [_verdict(m, a, h, s, scope) for m, a, h, s in zip(*columns)]
    return [v[0] for v in verdicts], [v[1] for v in verdicts]


def _verdict(material: Any, age: float, hazard: str | None, status: Any,
             scope: dict[str, Any]) -> tuple[bool, str]:
    if status == "not_in_scope":
        return False, "marked not in scope (不纳入) by the city"
    if material in scope["always"]:
        return True, scope["always"][material]
    if material not in scope["aged"]:
        return False, f"material {material or 'unknown'} is not covered by the rules"
    if pd.isna(age):
        return False, f"{material}: year laid unknown, age cannot be judged"
    old = age >= scope["min_age_years"]
    if old and isinstance(hazard, str):
        return True, f"{material} in service {age:.0f} years (≥ {scope['min_age_years']}), " \
                     f"hazardous ({hazard})"
    why = "not assessed hazardous" if old else f"in service {age:.0f} years"
    return False, f"{material}: {why}"


def _material_problems(frame: pd.DataFrame) -> list[Found]:
    found = _missing(frame, "material", "material unknown: cannot say if it is in scope")
    other = frame.index[frame["material"] == "other"]
    found += [(i, "material", "other", "material 'other' is not covered by the scope rules: "
               "check by hand") for i in other]
    return found + _missing(frame, "install_year", "year laid unknown: age cannot be judged")


def _pressure_problems(frame: pd.DataFrame, rules: GasRules) -> list[Found]:
    found = _missing(frame, "pressure_class", "pressure class unknown")
    classes = frame["pressure_class"]
    mpa = pd.to_numeric(frame["pressure_mpa"], errors="coerce").to_numpy(dtype=float)
    # The rules are looked up once per class named, then every main is tested in one pass.
    named = {c: rules.pressure_range(c) for c in classes.unique() if isinstance(c, str)}
    unknown = classes.isin([c for c, bounds in named.items() if bounds is None]).to_numpy()
    low, high = (classes.map({c: b[k] for c, b in named.items() if b}).to_numpy(dtype=float)
                 for k in (0, 1))
    misfit = ~np.isnan(low) & ~np.isnan(mpa) & ~_fits(low, high, mpa)
    fits, names = _first_fit(rules, mpa), classes.tolist()
    for i in np.flatnonzero(unknown | misfit):
        row, cls = frame.index[i], names[i]
        if unknown[i]:
            found.append((row, "pressure_class", cls, "pressure class unknown to scope.toml"))
        else:
            found.append((row, "pressure_mpa", float(mpa[i]),
                          f"{mpa[i]:g} MPa does not fit {cls} ({low[i]:g}–{high[i]:g} MPa)"
                          + (f"; it fits {fits[i]}" if fits[i] is not None else "")))
    return found


def _first_fit(rules: GasRules, mpa: np.ndarray) -> np.ndarray:
    """The first class (in the rules' order) each pressure fits; None where none does."""
    first = np.full(mpa.shape, None, dtype=object)
    for cls in reversed(list(rules.scope["pressure_classes"])):
        low, high = rules.pressure_range(cls) or (np.inf, -np.inf)
        first[_fits(low, high, mpa)] = cls
    return first


def _fits(low: Any, high: Any, mpa: np.ndarray) -> np.ndarray:
    """Whether each pressure lies in its class's range: above low, up to high (0 fits 0)."""
    return ((low < mpa) & (mpa <= high)) | ((mpa == low) & (low == 0))


def _missing(frame: pd.DataFrame, field: str, reason: str) -> list[Found]:
    return [(i, field, None, reason) for i in frame.index[frame[field].isna()]]


def _problems(frame: pd.DataFrame, found: list[Found]) -> list[dict[str, Any]]:
    """The problem records of `found`, each naming its main, read in one lookup."""
    if not found:
        return []
    mains = frame.loc[[i for i, *_ in found], ["uuid", "source_id", "courtyard"]]
    return [{"row": int(i), "asset": uuid, "source_id": source_id, "courtyard": courtyard,
             "field": field, "value": value, "reason": reason}
            for (i, field, value, reason), uuid, source_id, courtyard
            in zip(found, mains["uuid"], mains["source_id"], mains["courtyard"])]
