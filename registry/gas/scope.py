"""Which courtyard mains the renovation programme replaces, which wait for an assessment, and why.

The rules are ``layers/gas/scope.toml``, after 国办发〔2022〕22号 and the ageing-assessment
guidance. Every main lands in exactly one bucket, with its reason: ``replace`` (改造: grey cast
iron; ductile iron assessed unfit; steel, PE and risers ≥ 20 years assessed hazardous, or
younger with a hazard assessed uncontrollable; anything built over, 占压), ``assess`` (待评估:
the rule depends on an assessment not yet made, or on an unknown material or year) and
``keep`` (保留). Hazardous means the ``hazard_assessed`` attribute, a maintenance event of a
hazard kind (leak) or an inspection that left the main at a bad condition grade;
``hazard_assessed = false`` is an assessment that found none, empty is no assessment. Each
main's pressure class is checked against its stated design pressure (GB 50028 bands).
Nothing is dropped: mains whose material, age, pressure class or courtyard is unknown are
listed in ``problems`` and still counted.

>>> import tempfile, registry, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/s.gpkg", county="130102")
>>> mains = gpd.GeoDataFrame({"material": ["grey_cast_iron", "pe"], "install_year": [1985, 2015],
...     "courtyard": ["和平小区", None], "pressure_class": ["low", "medium_a"],
...     "pressure_mpa": [0.005, 0.15]}, geometry=[shapely.LineString([(114.5, 38.04),
...     (114.501, 38.04)])] * 2, crs=4490)
>>> _ = reg.add("gas_mains", mains, registry.Change(who="demo"))
>>> result = renovation_scope(reg, year=2026)
>>> result.segments["bucket"].tolist(), [p["field"] for p in result.problems]
(['replace', 'keep'], ['pressure_mpa', 'courtyard'])
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

SEGMENT_COLUMNS = ["uuid", "source_id", "courtyard", "grid_code", "material", "pipe_kind",
                   "install_year", "age", "length_m", "households", "renovation_status",
                   "hazard", "leaks", "bucket", "in_scope", "reason"]
#: The buckets every main lands in, with their labels.
BUCKETS = {"replace": "改造", "assess": "待评估", "keep": "保留"}
#: The columns of the layer the scope and the courtyard scores read (not the rest: the read
#: of a city's mains is much of the scope's cost).
MAIN_FIELDS = ["source_id", "courtyard", "grid_code", "material", "install_year", "households",
               "renovation_status", "hazard_assessed", "hazard_controllable", "occupied",
               "pipe_kind", "pressure_class", "pressure_mpa", "cathodic_protection"]


@dataclass
class Scope:
    """Every main with its verdict (``segments``), what could not be judged (``problems``),
    and the mains as read (``mains``: the `MAIN_FIELDS` and geometry)."""

    segments: pd.DataFrame
    problems: list[dict[str, Any]]
    mains: gpd.GeoDataFrame

    def to_assess(self) -> pd.DataFrame:
        """The 待评估 list per courtyard: km, mains and which assessments are missing.

        >>> Scope(pd.DataFrame({"courtyard": ["甲"], "bucket": ["assess"], "length_m": [1500.0],
        ...       "reason": ["steel: not yet assessed"]}), [], gpd.GeoDataFrame()).to_assess(
        ...       ).values.tolist()
        [['甲', 1.5, 1, 'steel: not yet assessed']]
        """
        waiting = self.segments[self.segments["bucket"] == "assess"]
        table = waiting.assign(courtyard=waiting["courtyard"].fillna("未归属小区")).groupby(
            "courtyard", as_index=False).agg(km=("length_m", "sum"), mains=("length_m", "size"),
                                              missing=("reason", _distinct))
        table["km"] = (table["km"] / 1000).round(3)
        return table.sort_values(["km", "courtyard"], ascending=[False, True], ignore_index=True)


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
    frame["bucket"], frame["reason"] = _verdicts(frame, rules.scope["scope"])
    frame["in_scope"] = frame["bucket"] == "replace"
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


def _verdicts(frame: pd.DataFrame, scope: dict[str, Any]) -> tuple[list[str], list[str]]:
    fine = frame["hazard_assessed"].astype("boolean").eq(False).fillna(False)
    fine = (fine & frame["hazard"].isna()).tolist()
    controllable = frame["hazard_controllable"].astype("boolean").astype(object)
    facts = zip(frame["material"].tolist(), frame["age"].tolist(), frame["hazard"].tolist(),
                fine, controllable.where(controllable.notna(), None).tolist(),
                frame["occupied"].astype("boolean").fillna(False).tolist(),
                frame["pipe_kind"].tolist(), frame["renovation_status"].tolist())
    verdicts = [_verdict(Facts(*f), scope) for f in facts]
    return [v[0] for v in verdicts], [v[1] for v in verdicts]


@dataclass(frozen=True)
class Facts:
    """What the scope rules read of one main."""

    material: Any
    age: float
    hazard: str | None
    assessed_fine: bool
    controllable: bool | None
    occupied: bool
    kind: Any
    status: Any


def _verdict(main: Facts, scope: dict[str, Any]) -> tuple[str, str]:
    """The bucket of one main and why, in the order the 2022 rules read."""
    if main.status == "not_in_scope":
        return "keep", "marked not in scope (不纳入) by the city"
    if main.occupied:
        return "replace", "被建构筑物占压：改造 (built over)"
    if main.material in scope["always"]:
        return "replace", scope["always"][main.material]
    riser = main.kind == "riser"
    if main.material in scope["assessed"] and not riser:
        return _assessed(scope["assessed"][main.material], main)
    if not riser and main.material not in scope["aged"]:
        return "assess", f"material {main.material or 'unknown'}: not covered by the rules, " \
                         "check the material (材质待核查)"
    return _by_age("立管 riser" if riser else str(main.material), main, scope["min_age_years"])


def _assessed(label: str, main: Facts) -> tuple[str, str]:
    """Ductile iron: replaced only when assessed unfit for safe service."""
    if isinstance(main.hazard, str):
        return "replace", f"{label}：经评估不满足安全运行要求 (assessed unfit: {main.hazard})"
    if main.assessed_fine:
        return "keep", f"{label}：经评估满足安全运行要求 (assessed fit)"
    return "assess", f"{label}：需评估是否满足安全运行要求 (not yet assessed)"


def _by_age(label: str, main: Facts, min_age: int) -> tuple[str, str]:
    """Steel, PE and risers: by years in service and what an assessment found."""
    if pd.isna(main.age):
        return "assess", f"{label}: year laid unknown, age cannot be judged (建设年代待核查)"
    years = f"{label} in service {main.age:.0f} years"
    if main.age >= min_age:
        if isinstance(main.hazard, str):
            return "replace", f"{years} (≥ {min_age}), hazardous ({main.hazard})"
        if main.assessed_fine:
            return "keep", f"{years} (≥ {min_age}), assessed without hazard"
        return "assess", f"{years} (≥ {min_age}), not yet assessed (需开展安全评估)"
    if not isinstance(main.hazard, str):
        return "keep", f"{years} (< {min_age}), no hazard recorded"
    if main.controllable is False:
        return "replace", f"{years} (< {min_age}), hazard ({main.hazard}) assessed " \
                          "uncontrollable (无法通过管控措施保障安全)"
    if main.controllable:
        return "keep", f"{years} (< {min_age}), hazard ({main.hazard}) controllable (落实管控措施)"
    return "assess", f"{years} (< {min_age}), hazard ({main.hazard}): whether it can be " \
                     "controlled is not assessed"


def _distinct(reasons: pd.Series) -> str:
    return "; ".join(dict.fromkeys(reasons))


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
    names = classes.tolist()
    # Each class named is looked up once, then its mains are tested together.
    for cls in classes.dropna().unique():
        rows = np.flatnonzero((classes == cls).to_numpy())
        band = rules.pressure_band(cls)
        if band is None:
            found += [(frame.index[i], "pressure_class", cls,
                       "pressure class unknown to scope.toml") for i in rows]
            continue
        given = rows[~np.isnan(mpa[rows])]
        misfit = given[~band.fits(mpa[given])]
        fits = _first_fit(rules, mpa[misfit])
        found += [(frame.index[i], "pressure_mpa", float(mpa[i]),
                   f"{mpa[i]:g} MPa does not fit {names[i]} ({band.text})"
                   + (f"; it fits {fit}" if fit is not None else ""))
                  for i, fit in zip(misfit, fits)]
    return sorted(found, key=lambda f: (f[0], f[1]))


def _first_fit(rules: GasRules, mpa: np.ndarray) -> np.ndarray:
    """The first class (in the rules' order) each pressure fits; None where none does."""
    first = np.full(mpa.shape, None, dtype=object)
    for cls in reversed(list(rules.scope["pressure_classes"])):
        band = rules.pressure_band(cls)
        if band is not None:
            first[band.fits(mpa)] = cls
    return first


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
