"""The risk terms: each turns a layer's assets into a value to show and a factor in 0..1,
on whole arrays (no loop over assets). A term's points are its factor × its weight.

>>> import numpy as np
>>> fraction(np.array([0.0, 5.0, 20.0, np.nan]), 10.0, unknown=0.5).tolist()
[0.0, 0.5, 1.0, 0.5]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from registry.plans.context import Context


@dataclass(frozen=True)
class Term:
    """What a term found for each asset: the value a person reads and the factor 0..1."""

    value: np.ndarray
    factor: np.ndarray


def fraction(amount: np.ndarray, full_at: float, unknown: float) -> np.ndarray:
    """`amount` / `full_at` clipped to 0..1; missing amounts count as `unknown`."""
    share = np.clip(np.asarray(amount, dtype=float) / full_at, 0.0, 1.0)
    return np.where(np.isnan(share), unknown, share)


def _values(series: pd.Series) -> np.ndarray:
    """Plain Python values (None for missing) for the explanation."""
    return series.astype(object).where(series.notna(), None).to_numpy(dtype=object)


def _numbers(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# -- likelihood ----------------------------------------------------------------------------
def condition(ctx: Context) -> Term:
    """Grade 1 (good) → 0 … grade 5 → 1; CJJ 99 class A → 0 … E → 1."""
    cond = ctx.layer.condition
    if cond.field:
        low, high = ctx.layer.field(cond.field).range or (1, 5)
        grades = _numbers(ctx.column(cond.field))
        return Term(_values(ctx.column(cond.field)),
                    fraction(grades - low, high - low, ctx.book.unknown))
    classes = [c.name for c in cond.classes]
    labels = ctx.column(cond.class_field or "")
    rank = labels.map({name: i for i, name in enumerate(classes)})
    return Term(_values(labels), fraction(_numbers(rank), len(classes) - 1, ctx.book.unknown))


def age(ctx: Context) -> Term:
    """Years in service against the layer's design life."""
    years = ctx.today.year - _year_built(ctx)
    life = (ctx.layer.design_life_years or np.nan) * ctx.book.age_full_at
    shown = pd.Series(years).astype("Int64")
    return Term(_values(shown), fraction(years, life, ctx.book.unknown))


def _year_built(ctx: Context) -> np.ndarray:
    for name in ("install_year", "build_year"):
        if name in ctx.layer.field_names:
            return _numbers(ctx.column(name))
    dates = pd.to_datetime(ctx.column("install_date"), errors="coerce")
    return dates.dt.year.to_numpy(dtype=float, na_value=np.nan)


def material(ctx: Context) -> Term:
    """The rule book's factor of each material (grey cast iron worst)."""
    materials = ctx.rules.params.get("materials", {})
    found = ctx.column("material")
    return Term(_values(found), fraction(_numbers(found.map(materials)), 1.0, ctx.book.unknown))


def incidents(ctx: Context) -> Term:
    """Open and repeated cases (incident events until cases score them) in the window."""
    counts = ctx.cases(ctx)
    return Term(counts.astype(int).astype(object), fraction(counts, ctx.book.incidents_full_at, 0))


def overdue(ctx: Context) -> Term:
    """Days past the inspection interval since the last visit (event or date field)."""
    interval = float(ctx.layer.inspection_interval_days or np.nan)
    since = (pd.Timestamp(ctx.today) - _last_visit(ctx)).dt.days.to_numpy(dtype=float,
                                                                           na_value=np.nan)
    late = np.maximum(since - interval, 0)
    factor = fraction(late, interval * ctx.book.overdue_full_at, ctx.book.never_visited)
    return Term(_values(pd.Series(late).astype("Int64")), factor)


def _last_visit(ctx: Context) -> pd.Series:
    events = ctx.events[ctx.events["kind"].isin(ctx.book.visit_kinds)]
    latest = events.groupby("uuid")["date"].max().reindex(ctx.frame["uuid"]).reset_index(drop=True)
    field = ctx.rules.inspection_field
    if field:
        recorded = pd.to_datetime(ctx.column(field).reset_index(drop=True), errors="coerce")
        latest = pd.concat([latest, recorded], axis=1).max(axis=1)
    return pd.to_datetime(latest)


# -- consequence ---------------------------------------------------------------------------
def main_road(ctx: Context) -> Term:
    """On one of the rule book's main roads."""
    roads = ctx.column("road_name")
    return Term(_values(roads), roads.isin(ctx.book.main_roads).to_numpy(dtype=float))


def neighbours(ctx: Context) -> Term:
    """How many other assets stand within the radius: a busy street corner."""
    radius = float(ctx.rules.param("neighbours", "radius_m"))
    pairs, _ = ctx.nearby(ctx.rules.param("neighbours", "layers"), radius)
    counts = np.bincount(pairs[0], minlength=len(ctx)).astype(float)
    return Term(counts.astype(int).astype(object),
                fraction(counts, float(ctx.rules.param("neighbours", "full_at")), 0))


def crossing(ctx: Context) -> Term:
    """Lamps of another road within the radius: the lamp lights a crossing."""
    radius = float(ctx.rules.param("crossing", "radius_m"))
    pairs, others = ctx.nearby([ctx.layer.name], radius)
    mine = ctx.column("road_name").to_numpy(dtype=object)[pairs[0]]
    theirs = others["road_name"].to_numpy(dtype=object)[pairs[1]]
    known = pd.notna(mine) & pd.notna(theirs)
    other_road = known & (mine != theirs)
    counts = np.bincount(pairs[0][other_road], minlength=len(ctx)).astype(float)
    return Term(counts.astype(int).astype(object), (counts > 0).astype(float))


def bridge_type(ctx: Context) -> Term:
    """Interchange > river > underpass > footbridge, as the rule book weighs them."""
    kinds = ctx.column("bridge_type")
    weights = ctx.rules.params.get("bridge_types", {})
    return Term(_values(kinds), fraction(_numbers(kinds.map(weights)), 1.0, ctx.book.unknown))


def span(ctx: Context) -> Term:
    """Main span against the span that earns the full points."""
    spans = ctx.column("span_m")
    full = float(ctx.rules.param("span", "full_at_m"))
    return Term(_values(spans), fraction(_numbers(spans), full, ctx.book.unknown))


def households(ctx: Context) -> Term:
    """Households a gas main serves."""
    served = ctx.column("households")
    full = float(ctx.rules.param("households", "full_at"))
    return Term(_values(served), fraction(_numbers(served), full, ctx.book.unknown))


TERMS: dict[str, Callable[[Context], Term]] = {
    "condition": condition, "age": age, "material": material, "incidents": incidents,
    "overdue": overdue, "main_road": main_road, "neighbours": neighbours,
    "crossing": crossing, "bridge_type": bridge_type, "span": span, "households": households,
}
