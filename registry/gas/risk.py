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

from registry.gas.buildings import courtyard_households
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
    segments = scope.segments.assign(courtyard=scope.segments["courtyard"].fillna(NO_COURTYARD))
    chosen = segments["in_scope"].to_numpy(dtype=bool)
    distance = rules.scope["consequence"]["scales"]["drain_distance_m"]
    candidates = segments[chosen].assign(
        cathodic_protection=scope.mains["cathodic_protection"].to_numpy()[chosen],
        drains=drains_near(reg, scope.mains.geometry.to_numpy()[chosen], distance))
    served = households(reg, segments)
    mixes = _materials(candidates)
    rows = [_courtyard(sums, served.get(sums.Index, 0), mixes[sums.Index], rules)
            for sums in _totals(candidates, rules).itertuples()]
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return table.sort_values(["score", "km"], ascending=False, ignore_index=True)


_COLUMNS = ["courtyard", "km", "segments", "households", "age_min", "age_mean", "age_max",
            "materials", "km_done", "leaks", "drains", "likelihood", "consequence", "score",
            "terms"]


def households(reg: Registry, segments: pd.DataFrame) -> dict[str, int]:
    """Households per courtyard: its buildings' households where buildings are known, else
    the largest ``households`` figure on its mains (the feed carries everyone downstream)."""
    known = courtyard_households(reg)
    figures = pd.to_numeric(segments["households"], errors="coerce")
    fallback = figures.groupby(segments["courtyard"]).max().fillna(0).astype(int).to_dict()
    return {name: int(known.get(name, fallback.get(name, 0))) for name in fallback}


def drains_near(reg: Registry, mains: np.ndarray, distance: float) -> np.ndarray:
    """How many 收水井 lie within `distance` metres of each of `mains` (lon/lat lines).

    Only the drains in a grid cell near some main are projected and tested exactly: a city's
    drains are read as bare coordinates, and most lie nowhere near a main in scope.
    """
    if len(mains) == 0:
        return np.zeros(0, dtype=int)
    boxes = shapely.bounds(mains)
    # 1.5 × the distance: generous beside the projection's scale and grid convergence (< 1 %).
    margin = reg.metric.degrees_for(max(1.5 * distance, 5.0),
                                    float(np.abs(boxes[:, [1, 3]]).max()))
    xy = reg.centres(Query("drains"))  # a point's centre is the point: no geometry built
    xy = xy[_near_boxes(xy, boxes, np.array(margin))]
    if len(xy) == 0:
        return np.zeros(len(mains), dtype=int)
    lines = shapely.STRtree(reg.to_metric(mains))
    _, main = lines.query(reg.metric.points_to_metric(xy), predicate="dwithin", distance=distance)
    return np.bincount(main, minlength=len(mains))


def _near_boxes(xy: np.ndarray, boxes: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Which points lie in a grid cell (of size `margin`) touching some box grown by `margin`:
    a cheap superset of the points within `margin` of a box. Every point, when the boxes
    would take more cells than there are points (mains kilometres long)."""
    boxes = boxes[~np.isnan(boxes).any(axis=1)]  # empty geometries are near nothing
    if len(boxes) == 0:
        return np.zeros(len(xy), dtype=bool)
    origin = boxes[:, :2].min(axis=0) - 2 * margin
    low = np.floor((boxes[:, :2] - margin - origin) / margin).astype(np.int64)
    high = np.floor((boxes[:, 2:] + margin - origin) / margin).astype(np.int64)
    wide, span = high[:, 0] - low[:, 0] + 1, high[:, 1] - low[:, 1] + 1
    if (wide * span).sum() > 4 * len(xy) + 100_000:
        return np.ones(len(xy), dtype=bool)
    box = np.repeat(np.arange(len(boxes)), wide * span)
    step = np.arange(box.size) - np.repeat(np.cumsum(wide * span) - wide * span, wide * span)
    rows = high[:, 1].max() + 2  # cells are numbered column by column, `rows` to one
    cells = np.unique((low[box, 0] + step % wide[box]) * rows + low[box, 1] + step // wide[box])
    at = np.floor((xy - origin) / margin).astype(np.int64)
    inside = (at >= 0).all(axis=1) & (at[:, 1] < rows)
    return inside & np.isin(at[:, 0] * rows + at[:, 1], cells)


def _totals(candidates: pd.DataFrame, rules: GasRules) -> pd.DataFrame:
    """Per courtyard (sorted by name), every sum its row and score are made of, in one
    groupby rather than one pass of pandas per courtyard."""
    scores = rules.scope["likelihood"]["material_score"]
    length = candidates["length_m"].astype(float)
    age = candidates["age"].astype(float)
    steel = (candidates["material"] == "steel").to_numpy(dtype=bool)
    protection = candidates["cathodic_protection"]
    protection_known = protection.notna().to_numpy() & steel
    bare = protection_known & ~protection.astype("boolean").fillna(True).to_numpy(dtype=bool)
    material = candidates["material"].map(scores).fillna(scores["other"]).astype(float)
    parts = pd.DataFrame({
        "segments": 1, "length": length,
        "done": length.where((candidates["renovation_status"] == "done").to_numpy(), 0.0),
        "aged_length": length.where(age.notna(), 0.0), "age_x_length": age.fillna(0.0) * length,
        "material_x_length": material * length, "leaks": candidates["leaks"],
        "drains": candidates["drains"], "protection_known": protection_known,
        "steel_known": length.where(protection_known, 0.0), "steel_bare": length.where(bare, 0.0)})
    by = candidates["courtyard"].to_numpy()
    ages = age.groupby(by, sort=True).agg(age_min="min", age_max="max")
    return parts.groupby(by, sort=True).sum().join(ages)


def _materials(candidates: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Km of each material (unknown included) per courtyard, materials in name order."""
    km = candidates.groupby([candidates["courtyard"], candidates["material"].fillna("unknown")],
                            sort=True)["length_m"].sum() / 1000.0
    mixes: dict[str, dict[str, float]] = {}
    for (courtyard, material), value in km.items():
        mixes.setdefault(courtyard, {})[material] = round(float(value), 3)
    return mixes


def _courtyard(sums: Any, served: int, materials: dict[str, float], rules: GasRules
               ) -> dict[str, Any]:
    """One courtyard's row from its `_totals` (`sums`)."""
    terms = score_terms(sums, served, rules)
    likelihood = _side(terms, "likelihood")
    consequence = _side(terms, "consequence")
    age_mean = sums.age_x_length / sums.aged_length if sums.aged_length else np.nan
    return {"courtyard": sums.Index, "km": sums.length / 1000.0, "segments": int(sums.segments),
            "households": served, "age_min": _rounded(sums.age_min),
            "age_max": _rounded(sums.age_max), "age_mean": _rounded(age_mean),
            "materials": materials, "km_done": sums.done / 1000.0,
            "leaks": int(sums.leaks), "drains": int(sums.drains),
            "likelihood": round(likelihood, 3), "consequence": round(consequence, 3),
            "score": round(100 * likelihood * consequence, 1), "terms": terms}


def _rounded(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 1)


def score_terms(sums: Any, served: int, rules: GasRules) -> list[dict[str, Any]]:
    """Every term of one courtyard's score from its `_totals` (`sums`): side, term, raw value,
    0–1 score, weight."""
    like, cons = rules.scope["likelihood"], rules.scope["consequence"]
    km = max(sums.length / 1000.0, 1e-9)
    material = float(sums.material_x_length / sums.length) if sums.length else 0.0
    mean_age = float(sums.age_x_length / sums.length) if sums.length else 0.0
    leaks_per_km, drains_per_km = sums.leaks / km, sums.drains / km
    bare = round(float(sums.steel_bare / sums.steel_known) if sums.steel_known else np.nan, 3) \
        if sums.protection_known else None
    # Per-km values are rounded by numpy, as they always were (it differs from round() on
    # rare ties).
    raw = [("likelihood", "material", round(material, 3), material),
           ("likelihood", "age", round(mean_age, 1), mean_age / like["scales"]["age_full_years"]),
           ("likelihood", "leaks", np.round(leaks_per_km, 2),
            leaks_per_km / like["scales"]["leaks_per_km_full"]),
           ("likelihood", "no_cathodic_protection", bare, bare or 0.0),
           ("consequence", "households", served, served / cons["scales"]["households_full"]),
           ("consequence", "drains", np.round(drains_per_km, 2),
            drains_per_km / cons["scales"]["drains_per_km_full"])]
    side = {"likelihood": like, "consequence": cons}
    return [{"side": s, "term": t, "value": v, "score": round(min(1.0, float(x)), 3),
             "weight": side[s][t]} for s, t, v, x in raw]


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
