"""Checking asset records against their layer, on whole columns at once.

`coerce` turns incoming columns into each field's type; `problems` lists every record that
breaks a rule — geometry missing, of the wrong type, invalid or outside the registry's
area; a required field empty; a value outside its domain or range; a repeated source id.
Each problem names the row, the asset, the field, the value and the reason.

Two kinds of problem: a record is *unusable* (`unusable`) when its geometry is missing, of
the wrong type, invalid or outside the registry's area, or its identity is broken or missing
(a repeated source id, a malformed UUID, a grid without its code) — nothing can be written
for it. Every other problem is about
one value (not of the field's type, outside its domain or range, a required field empty):
`Registry.add` still refuses it, while a survey import empties that field, keeps the record
and flags the value for a person (see ``importers/pipeline.check_survey``).

>>> import geopandas as gpd, shapely, registry.layers
>>> from registry.settings import Settings
>>> layer = registry.layers.load_layers()["drains"]
>>> frame = gpd.GeoDataFrame({"depth_m": [0.1]}, geometry=[shapely.Point(114.5, 38.0)], crs=4490)
>>> [p["reason"] for p in problems(layer, coerce(layer, frame)[0], Settings(county="130102"))]
['below the minimum 0.2 m']
"""
from __future__ import annotations

import uuid as uuidlib
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from registry.errors import InvalidInput
from registry.layers import SOURCE_ATTRIBUTES, STATES, Field, Layer
from registry.source_attributes import coerce_column as coerce_source_attributes
from registry.settings import Settings

#: Columns a caller may send besides the layer's fields.
INPUT_COLUMNS = ("source_id", "uuid", "state", SOURCE_ATTRIBUTES)


def check_columns(layer: Layer, frame: pd.DataFrame) -> None:
    """Refuse columns the layer does not have, naming them and the layer's fields."""
    allowed = set(layer.field_names) | set(INPUT_COLUMNS) | {frame.geometry.name}
    unknown = [c for c in frame.columns if c not in allowed]
    if unknown:
        raise InvalidInput(f"layer {layer.name} has no field {unknown[0]!r}; fields: "
                           f"{', '.join(layer.field_names)}")


def coerce(layer: Layer, frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """The frame with each field in its type, and a problem for each value that would not go."""
    check_columns(layer, frame)
    out, found = frame.copy(), []
    for f in layer.fields:
        if f.name in out:
            out[f.name], bad = _coerce_column(f, out[f.name])
            found += [_problem(out, i, f.name, frame.at[i, f.name], f"not a {f.type}")
                      for i in bad]
    if SOURCE_ATTRIBUTES in out:
        out[SOURCE_ATTRIBUTES], bad = coerce_source_attributes(out[SOURCE_ATTRIBUTES])
        found += [_problem(out, i, SOURCE_ATTRIBUTES, str(frame.at[i, SOURCE_ATTRIBUTES])[:80],
                           "not a JSON object of source attributes") for i in bad]
    return out, found


def _coerce_column(f: Field, col: pd.Series) -> tuple[pd.Series, list]:
    present = col.notna()
    if f.type in ("int", "float"):
        numbers = pd.to_numeric(col, errors="coerce")
        bad = present & numbers.isna()
        if f.type == "int":
            bad |= numbers.notna() & (numbers != np.round(numbers))
            numbers = numbers.where(~bad).round().astype("Int64")
        return numbers, list(col.index[bad])
    if f.type == "bool":
        mapped = col.map(lambda v: v if isinstance(v, (bool, np.bool_)) else
                         {0: False, 1: True}.get(v) if isinstance(v, (int, float)) else None)
        bad = present & mapped.isna()
        return mapped.astype("boolean"), list(col.index[bad])
    if f.type == "date":
        dates = pd.to_datetime(col, errors="coerce", format="ISO8601")
        bad = present & dates.isna()
        return dates.dt.strftime("%Y-%m-%d").where(dates.notna(), None).astype(object), \
            list(col.index[bad])
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        col = col.astype(str)
    return col.astype(object).where(present, None), []


#: Fields whose problem makes the whole record unusable: where it is, and which asset it is.
UNUSABLE_FIELDS = ("geometry", "source_id", "uuid")


def unusable(problem: dict) -> bool:
    """Whether a problem leaves nothing to write (geometry or identity), rather than one value
    to review.

    >>> unusable({"field": "geometry", "reason": "geometry missing or empty"})
    True
    >>> unusable({"field": "depth_m", "reason": "below the minimum 0.2 m"})
    False
    """
    return problem.get("field") in UNUSABLE_FIELDS


def problems(layer: Layer, frame: gpd.GeoDataFrame, settings: Settings,
             partial: bool = False, allow_empty_required: bool = False) -> list[dict]:
    """Every rule broken by every record of a coerced frame in the storage CRS.

    `partial`: the frame holds edits — only the columns present are checked, and a missing
    geometry means "unchanged". `allow_empty_required`: an empty required field is no
    problem here, because the caller (a survey import) keeps such records and flags them.
    """
    found = _geometry_problems(layer, frame, settings, partial)
    for f in layer.fields:
        if f.name in frame and not f.derived:
            found += _field_problems(f, frame, allow_empty_required)
        elif f.required and not f.derived and not partial and not allow_empty_required:
            found += [_problem(frame, i, f.name, None, "required") for i in frame.index]
    found += _id_problems(frame)
    if layer.is_grid and not partial:
        found += _grid_code_problems(frame)
    return sorted(found, key=lambda p: (str(p["row"]), p["field"] or ""))


def _geometry_problems(layer: Layer, frame: gpd.GeoDataFrame, settings: Settings,
                       partial: bool) -> list[dict]:
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    reported = missing & ~(partial & shapely.is_missing(geoms))
    found = [_problem(frame, i, "geometry", None, "geometry missing or empty")
             for i in frame.index[reported]]
    types = np.array(shapely.get_type_id(geoms))
    wrong = ~missing & ~np.isin(types, [_TYPE_IDS[t] for t in layer.geometry])
    found += [_problem(frame, i, "geometry", g.geom_type,
                       f"a {g.geom_type}; layer {layer.name} takes {', '.join(layer.geometry)}")
              for i, g in zip(frame.index[wrong], geoms[wrong])]
    ok = ~missing & ~wrong
    invalid = ok & ~shapely.is_valid(geoms)
    found += [_problem(frame, i, "geometry", None, f"invalid geometry: {reason}")
              for i, reason in zip(frame.index[invalid], shapely.is_valid_reason(geoms[invalid]))]
    outside = ok & ~_inside(geoms, settings.extent)
    found += [_problem(frame, i, "geometry", _where(g),
                       f"outside the registry's area {settings.extent}")
              for i, g in zip(frame.index[outside], geoms[outside])]
    return found


def _inside(geoms: np.ndarray, extent: tuple[float, float, float, float]) -> np.ndarray:
    """Whether each geometry's bounds lie in the registry's lon/lat box (fast for millions)."""
    bounds = shapely.bounds(geoms)
    return ((bounds[:, 0] >= extent[0]) & (bounds[:, 1] >= extent[1])
            & (bounds[:, 2] <= extent[2]) & (bounds[:, 3] <= extent[3]))


def _where(geom: Any) -> str:
    point = geom.representative_point()
    return f"{point.x:.6f}, {point.y:.6f}"


_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6}


def _field_problems(f: Field, frame: pd.DataFrame, allow_empty_required: bool) -> list[dict]:
    col = frame[f.name]
    found = []
    if f.required and not allow_empty_required:
        found += [_problem(frame, i, f.name, None, "required") for i in col.index[col.isna()]]
    if f.values is not None:
        bad = col.notna() & ~col.isin(f.values)
        found += [_problem(frame, i, f.name, col[i], f"not one of {', '.join(f.values)}")
                  for i in col.index[bad]]
    if f.range is not None and f.type in ("int", "float"):
        unit = f" {f.unit}" if f.unit else ""
        low, high = f.range
        below, above = col.notna() & (col < low), col.notna() & (col > high)
        found += [_problem(frame, i, f.name, col[i], f"below the minimum {low:g}{unit}")
                  for i in col.index[below.fillna(False)]]
        found += [_problem(frame, i, f.name, col[i], f"above the maximum {high:g}{unit}")
                  for i in col.index[above.fillna(False)]]
    return found


def _grid_code_problems(frame: pd.DataFrame) -> list[dict]:
    """A grid's code (网格编码, its source id) is its identity: without it no asset can be
    assigned to the grid, so the record is unusable."""
    ids = frame["source_id"] if "source_id" in frame else pd.Series(None, index=frame.index)
    return [_problem(frame, i, "source_id", None, "required: a grid's code (网格编码) is its "
                     "identity") for i in frame.index[ids.isna()]]


def _id_problems(frame: pd.DataFrame) -> list[dict]:
    found = []
    if "source_id" in frame:
        ids = frame["source_id"]
        repeated = ids.notna() & ids.duplicated(keep="first")
        twins = ids[ids.notna() & ids.duplicated(keep=False)]
        first = {v: i for i, v in zip(twins.index[::-1], twins[::-1])}
        found += [_problem(frame, i, "source_id", ids[i],
                           f"source id repeated (first at row {first[ids[i]]})")
                  for i in ids.index[repeated]]
    if "uuid" in frame:
        found += [_problem(frame, i, "uuid", v, "not a UUID")
                  for i, v in frame["uuid"].items() if v is not None and not _is_uuid(v)]
    if "state" in frame:
        bad = frame["state"].notna() & ~frame["state"].isin(STATES)
        found += [_problem(frame, i, "state", frame.at[i, "state"],
                           f"not one of {', '.join(STATES)}") for i in frame.index[bad]]
    return found


def _is_uuid(value: Any) -> bool:
    try:
        uuidlib.UUID(str(value))
    except ValueError:
        return False
    return True


def _problem(frame: pd.DataFrame, row: Any, field: str, value: Any, reason: str) -> dict:
    asset = frame.at[row, "source_id"] if "source_id" in frame else None
    if hasattr(value, "item"):
        value = value.item()
    return {"row": row, "asset": None if pd.isna(asset) else asset, "field": field,
            "value": value, "reason": reason}
