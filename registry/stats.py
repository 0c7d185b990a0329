"""Registry statistics: assets, km of mains and condition mix per layer and grid.

Counts come from attribute columns only; lengths are measured in the metric CRS.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from registry.layers import Layer
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

TOTAL = "(全部 all)"


def condition_column(layer: Layer) -> str | None:
    """The column that grades a layer's condition (grade 1–5 or CJJ 99 class)."""
    return layer.condition.class_field or layer.condition.field


def layer_stats(reg: "Registry", layer: Layer) -> pd.DataFrame:
    """One row per grid plus a total row for one layer."""
    cond = condition_column(layer)
    columns = ["grid_code"] + ([cond] if cond else [])
    frame = reg.storage.attributes(layer, columns)
    frame["grid_code"] = frame["grid_code"].fillna("(无网格 none)")
    if set(layer.geometry) <= {"LineString", "MultiLineString"}:
        geoms = reg.query(Query(layer.name)).geometry.to_numpy()
        frame["km"] = reg.length_m(geoms) / 1000.0 if len(geoms) else []
    else:
        frame["km"] = float("nan")
    rows = [_summary(layer, code, part, cond) for code, part in frame.groupby("grid_code")]
    rows.append(_summary(layer, TOTAL, frame, cond))
    return pd.DataFrame(rows)


def _summary(layer: Layer, grid: str, part: pd.DataFrame, cond: str | None) -> dict:
    row = {"layer": layer.name, "zh": layer.zh, "grid_code": grid, "assets": len(part),
           "km": round(part["km"].sum(), 3) if part["km"].notna().any() else None}
    if cond:
        counts = part[cond].value_counts(dropna=False)
        row.update({f"{cond}={k if pd.notna(k) else '?'}": int(v)
                    for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))})
    return row
