"""Risk scores of assets: likelihood × consequence, from the registry's own data and the
weights in ``layers/plans/risk.toml``, computed on whole layers at once and explained term
by term.

- likelihood = Σ weight × factor of the layer's likelihood terms (0..100 points);
- consequence = 1 + Σ weight × factor of its consequence terms;
- score = likelihood × consequence.

>>> import tempfile, geopandas as gpd, shapely, registry
>>> reg = registry.create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> inlet = gpd.GeoDataFrame({"condition": [5], "road_name": ["中山路"], "install_year": [1990]},
...                          geometry=[shapely.Point(114.5, 38.04)], crs=4490)
>>> uuid = reg.add("drains", inlet, registry.Change(who="demo"))["uuid"][0]
>>> [(t["term"], t["points"]) for t in explain(reg, uuid)][:2]
[('condition', 30.0), ('age', 10.0)]
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from registry.plans.context import CaseCounter, Context
from registry.plans.terms import TERMS
from registry.plans.weights import RuleBook, load_book
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

#: Columns of a score table besides each term's ``value.<term>`` and ``points.<term>``.
SCORE_COLUMNS = ["uuid", "layer", "gbt_code", "grid_code", "likelihood", "consequence", "score"]


def score(reg: "Registry", layer: str, frame: gpd.GeoDataFrame | None = None, *,
          today: date | None = None, book: RuleBook | None = None,
          cases: CaseCounter | None = None) -> pd.DataFrame:
    """Score every asset of `frame` (default: the whole layer), in `frame`'s order."""
    assets = reg.query(Query(layer)) if frame is None else frame
    ctx = Context(reg, layer, assets, today=today, book=book, cases=cases)
    table = pd.DataFrame({"uuid": ctx.frame["uuid"].to_numpy(dtype=object), "layer": layer,
                          "gbt_code": ctx.column("gbt_code").to_numpy(dtype=object),
                          "grid_code": ctx.column("grid_code").to_numpy(dtype=object)})
    table["likelihood"] = _part(ctx, table, ctx.rules.likelihood)
    table["consequence"] = 1.0 + _part(ctx, table, ctx.rules.consequence)
    table["score"] = np.round(table["likelihood"] * table["consequence"], 2)
    return table


def _part(ctx: Context, table: pd.DataFrame, weights: dict[str, float] | Any) -> np.ndarray:
    """Add each term's value and points columns; return the part's total points."""
    total = np.zeros(len(ctx))
    for name, weight in weights.items():
        term = TERMS[name](ctx)
        points = np.round(term.factor * weight, 3)
        table[f"value.{name}"] = term.value
        table[f"points.{name}"] = points
        total += points
    return np.round(total, 3)


def explain(reg: "Registry", uuid: str, *, today: date | None = None,
            book: RuleBook | None = None, cases: CaseCounter | None = None) -> list[dict]:
    """Each term of one asset's score: {term, part, value, weight, points}, likelihood first."""
    table = score_assets(reg, [uuid], today=today, book=book, cases=cases)
    return terms_of(table.iloc[0], book or load_book())


def terms_of(row: pd.Series, book: RuleBook) -> list[dict]:
    """The explanation of one row of a score table."""
    rules = book.rules(row["layer"])
    parts = [("likelihood", rules.likelihood), ("consequence", rules.consequence)]
    return [{"term": name, "part": part, "value": _plain(row[f"value.{name}"]), "weight": weight,
             "points": float(row[f"points.{name}"])}
            for part, weights in parts for name, weight in weights.items()]


def summary(row: pd.Series, book: RuleBook) -> dict[str, Any]:
    """One asset's score with its explanation, ready for JSON."""
    return {"uuid": row["uuid"], "layer": row["layer"], "gbt_code": _plain(row["gbt_code"]),
            "score": float(row["score"]), "likelihood": float(row["likelihood"]),
            "consequence": float(row["consequence"]), "terms": terms_of(row, book)}


def score_assets(reg: "Registry", uuids: list[str], **options: Any) -> pd.DataFrame:
    """Score assets named by UUID, whatever their layers, in the order given."""
    layers = pd.Series([reg.storage.layer_of(u) for u in uuids], index=uuids, dtype=object)
    tables = [score(reg, name, reg.query(Query(name, ids=list(group.index))), **options)
              for name, group in layers.groupby(layers, sort=False)]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=SCORE_COLUMNS)
    return table.set_index("uuid", drop=False).loc[uuids].reset_index(drop=True)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
