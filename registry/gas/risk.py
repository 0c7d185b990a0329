"""Renovation candidates grouped by courtyard (小区), with a likelihood × consequence score.

Each side is a weighted mean of terms scored 0–1 (weights and scales in
``layers/gas/scope.toml``). Likelihood: material (the scope file's score per material, by
length), age (length-weighted, full at ``age_full_years``), leak history (leak events per km)
and missing cathodic protection (share of known steel length without it). Consequence:
households served and storm drains (收水井) within ``drain_distance_m`` of the mains, where
leaking gas collects. ``terms`` explains the score term by term. Mains with no courtyard are
grouped under ``NO_COURTYARD``, never dropped.

>>> import tempfile, registry, geopandas as gpd, shapely
>>> from registry.gas.scope import renovation_scope
>>> reg = registry.create(tempfile.mkdtemp() + "/r.gpkg", county="130102")
>>> mains = gpd.GeoDataFrame({"material": ["grey_cast_iron"], "install_year": [1986],
...     "courtyard": ["和平小区"], "households": [500]},
...     geometry=[shapely.LineString([(114.5, 38.04), (114.5, 38.041)])], crs=4490)
>>> _ = reg.add("gas_mains", mains, registry.Change(who="demo"))
>>> table = courtyard_candidates(reg, renovation_scope(reg, year=2026))
>>> row = table.to_dict("records")[0]
>>> row["courtyard"], round(row["km"], 3), row["households"], row["score"]
('和平小区', 0.111, 500, 24.5)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from registry.gas.buildings import buildings
from registry.gas.rules import GasRules, load_rules
from registry.gas.scope import Scope
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

NO_COURTYARD = "未归属小区"


def courtyard_candidates(reg: Registry, scope: Scope, rules: GasRules | None = None
                         ) -> pd.DataFrame:
    """One row per courtyard with mains in scope, highest score first."""
    rules = rules or load_rules()
    segments = scope.segments.assign(courtyard=scope.segments["courtyard"].fillna(NO_COURTYARD),
                                     drains=_drains_near(reg, scope, rules))
    segments["cathodic_protection"] = scope.mains["cathodic_protection"].to_numpy()
    candidates = segments[segments["in_scope"]]
    served = households(reg, segments)
    rows = [_courtyard(name, group, served.get(name, 0), rules)
            for name, group in candidates.groupby("courtyard", sort=True)]
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return table.sort_values(["score", "km"], ascending=False, ignore_index=True)


_COLUMNS = ["courtyard", "km", "segments", "households", "age_min", "age_mean", "age_max",
            "materials", "km_done", "leaks", "drains", "likelihood", "consequence", "score",
            "terms"]


def households(reg: Registry, segments: pd.DataFrame) -> dict[str, int]:
    """Households per courtyard: its buildings' households where buildings are known, else
    the largest ``households`` figure on its mains (the feed carries everyone downstream)."""
    known = buildings(reg).groupby("courtyard")["households"].sum().to_dict()
    figures = pd.to_numeric(segments["households"], errors="coerce")
    fallback = figures.groupby(segments["courtyard"]).max().fillna(0).astype(int).to_dict()
    return {name: int(known.get(name, fallback.get(name, 0))) for name in fallback}


def _drains_near(reg: Registry, scope: Scope, rules: GasRules) -> np.ndarray:
    """How many 收水井 lie within the drain distance of each main."""
    distance = rules.scope["consequence"]["scales"]["drain_distance_m"]
    drains = reg.query(Query("drains", properties=[]))  # only where they are
    if drains.empty or scope.mains.empty:
        return np.zeros(len(scope.mains), dtype=int)
    points = reg.to_metric(drains.geometry.to_numpy())
    lines = reg.to_metric(scope.mains.geometry.to_numpy())
    main, _ = shapely.STRtree(points).query(lines, predicate="dwithin", distance=distance)
    return np.bincount(main, minlength=len(lines))


def _courtyard(name: str, group: pd.DataFrame, served: int, rules: GasRules) -> dict[str, Any]:
    length = group["length_m"].to_numpy()
    km = length.sum() / 1000.0
    age = group["age"].to_numpy(dtype=float)
    known_age = ~np.isnan(age)
    materials = group.groupby(group["material"].fillna("unknown"))["length_m"].sum() / 1000.0
    terms = score_terms(group, served, rules)
    likelihood = _side(terms, "likelihood")
    consequence = _side(terms, "consequence")
    return {"courtyard": name, "km": km, "segments": len(group), "households": served,
            "age_min": _stat(np.min, age[known_age]), "age_max": _stat(np.max, age[known_age]),
            "age_mean": _stat(np.average, age[known_age], weights=length[known_age]),
            "materials": {k: round(float(v), 3) for k, v in materials.items()},
            "km_done": length[(group["renovation_status"] == "done").to_numpy()].sum() / 1000.0,
            "leaks": int(group["leaks"].sum()), "drains": int(group["drains"].sum()),
            "likelihood": round(likelihood, 3), "consequence": round(consequence, 3),
            "score": round(100 * likelihood * consequence, 1), "terms": terms}


def _stat(fn: Any, values: np.ndarray, **kwargs: Any) -> float | None:
    return round(float(fn(values, **kwargs)), 1) if values.size else None


def score_terms(group: pd.DataFrame, served: int, rules: GasRules) -> list[dict[str, Any]]:
    """Every term of one courtyard's score: side, term, raw value, 0–1 score, weight."""
    like, cons = rules.scope["likelihood"], rules.scope["consequence"]
    length = group["length_m"].to_numpy()
    km = max(length.sum() / 1000.0, 1e-9)
    material = group["material"].map(like["material_score"]).fillna(like["material_score"]["other"])
    age = np.nan_to_num(group["age"].to_numpy(dtype=float), nan=0.0)
    mean_age = float(np.average(age, weights=length)) if length.sum() else 0.0
    leaks_per_km = group["leaks"].sum() / km
    bare = _bare_steel_share(group)
    drains_per_km = group["drains"].sum() / km
    raw = [("likelihood", "material", round(float(np.average(material, weights=length)), 3),
            float(np.average(material, weights=length))),
           ("likelihood", "age", round(mean_age, 1), mean_age / like["scales"]["age_full_years"]),
           ("likelihood", "leaks", round(leaks_per_km, 2),
            leaks_per_km / like["scales"]["leaks_per_km_full"]),
           ("likelihood", "no_cathodic_protection", bare, bare or 0.0),
           ("consequence", "households", served, served / cons["scales"]["households_full"]),
           ("consequence", "drains", round(drains_per_km, 2),
            drains_per_km / cons["scales"]["drains_per_km_full"])]
    side = {"likelihood": like, "consequence": cons}
    return [{"side": s, "term": t, "value": v, "score": round(min(1.0, float(x)), 3),
             "weight": side[s][t]} for s, t, v, x in raw]


def _bare_steel_share(group: pd.DataFrame) -> float | None:
    """Share of steel length known to lack cathodic protection (None: not known anywhere)."""
    steel = (group["material"] == "steel").to_numpy()
    known = group["cathodic_protection"].notna().to_numpy() & steel
    if not known.any():
        return None
    bare = known & ~group["cathodic_protection"].astype("boolean").fillna(True).to_numpy()
    return round(float(group["length_m"][bare].sum() / group["length_m"][known].sum()), 3)


def _side(terms: list[dict[str, Any]], side: str) -> float:
    mine = [t for t in terms if t["side"] == side]
    weight = sum(t["weight"] for t in mine)
    return sum(t["score"] * t["weight"] for t in mine) / weight if weight else 0.0


def explain(row: dict[str, Any]) -> str:
    """A courtyard's score as one line a planner can check.

    >>> explain({"courtyard": "A", "likelihood": 0.5, "consequence": 0.4, "score": 20.0,
    ...          "terms": [{"side": "likelihood", "term": "age", "value": 30, "score": 0.75,
    ...                     "weight": 0.3}]})
    'A: 20.0 = 100 × likelihood 0.5 × consequence 0.4; age=30 → 0.75 × 0.3'
    """
    parts = "; ".join(f"{t['term']}={t['value']} → {t['score']:g} × {t['weight']:g}"
                      for t in row["terms"])
    return (f"{row['courtyard']}: {row['score']} = 100 × likelihood {row['likelihood']:g} × "
            f"consequence {row['consequence']:g}; {parts}")
