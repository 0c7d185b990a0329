"""Survey records against the registry: which are new, which update an asset, which repeat one.

A record whose source id the registry knows updates that asset (a new version) when a field
or the geometry changed, else it is unchanged. A new record lying within the registry's
duplicate tolerance (1 m) of an existing asset of the layer, or of an earlier record in the
same file, is a *probable duplicate*: a person decides, so it is not inserted by default.
Distances are in metres in the registry's metric CRS; lines and polygons count as the same
place only when every part is that close (Hausdorff distance), so pipes that merely touch
are not duplicates.

>>> import registry, tempfile, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/c.gpkg", county="130102")
>>> survey = gpd.GeoDataFrame({"source_id": ["a", "b"], "depth_m": [1.0, 1.1]}, index=[1, 2],
...     geometry=[shapely.Point(114.5, 38.04), shapely.Point(114.500001, 38.04)], crs=4490)
>>> found = conflate(reg, reg.check("drains", survey))
>>> list(found.new), found.duplicates[["row", "reason"]].values.tolist()
([1], [[2, 'within 1 m of row 1 of this file']])
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.report import no_problems, problem_table
from importers.values import as_objects
from registry import Query, Registry
from registry.checked import Checked
from registry.layers import SOURCE_ATTRIBUTES

#: Geometries closer than this (metres) are the same geometry when deciding "changed".
SAME_GEOMETRY_M = 0.001


@dataclass
class Conflation:
    """Where each valid survey record goes (all indexed by source row)."""

    new: pd.Index
    updates: gpd.GeoDataFrame
    unchanged: pd.Index
    duplicates: pd.DataFrame
    rejections: pd.DataFrame


def conflate(reg: Registry, survey: Checked) -> Conflation:
    """Sort valid records (index = source row) into new, updates and unchanged.

    The records come as `Registry.check` coerced them, so they compare with the stored
    values as they are. Only the layer fields the survey supplies are compared and
    updated, so a survey that lacks a column never blanks it in the registry.
    """
    layer, typed = survey.layer, survey.records
    fields = [f for f in reg.layers[layer].field_names if f in typed.columns]
    # A record whose only change is in a column no field takes (kept verbatim in its
    # source attributes) still makes a new version.
    compared = fields + [SOURCE_ATTRIBUTES] * (SOURCE_ATTRIBUTES in typed.columns)
    existing = _existing(reg, layer, compared)
    matched = _match_ids(typed, existing)
    retired = matched >= 0
    retired[retired] = existing["retired_at"].notna().to_numpy()[matched[retired]]
    known = typed[(matched >= 0) & ~retired]
    old = existing.iloc[matched[(matched >= 0) & ~retired]]
    changed = _moved(reg, old.geometry.to_numpy(), known.geometry.to_numpy()) \
        | _differs(old, known, compared) | _state_said(old, known)
    updates = known[changed].assign(uuid=old["uuid"].to_numpy()[changed])
    unseen = typed[matched < 0]
    duplicates, same = _duplicates(reg, layer, unseen, typed, existing, fields)
    return Conflation(new=unseen.index.difference(duplicates["row"]).difference(same),
                      updates=updates[["uuid", *compared, updates.geometry.name]],
                      unchanged=known.index[~changed].append(same), duplicates=duplicates,
                      rejections=_retired_rejections(typed, existing, matched, retired))


def _state_said(old: pd.DataFrame, new: pd.DataFrame) -> np.ndarray:
    """Where the survey states a component state (状态) other than the stored one; an empty
    cell says nothing, so it changes nothing."""
    if "state" not in new:
        return np.zeros(len(new), dtype=bool)
    said = as_objects(new["state"]).to_numpy()
    return pd.notna(said) & (said != as_objects(old["state"]).to_numpy())


def _existing(reg: Registry, layer: str, fields: Sequence[str]) -> gpd.GeoDataFrame:
    """The layer's assets, retired ones included, with only the columns conflation reads."""
    columns = ["source_id", "retired_at", "gbt_code", "state", *fields]
    return reg.query(Query(layer, include_retired=True, properties=columns)
                     ).reset_index(drop=True)


def _match_ids(frame: pd.DataFrame, existing: pd.DataFrame) -> np.ndarray:
    """Position in `existing` of the asset holding each record's source id (-1 if none)."""
    if "source_id" not in frame.columns:
        return np.full(len(frame), -1)
    owners = existing["source_id"].dropna()
    found = pd.Index(owners.to_numpy()).get_indexer(frame["source_id"].to_numpy())
    positions = np.full(len(frame), -1)
    positions[found >= 0] = owners.index.to_numpy()[found[found >= 0]]
    return positions


def _moved(reg: Registry, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Whether each geometry moved by more than `SAME_GEOMETRY_M`.

    A re-imported survey mostly repeats stored coordinates bit for bit: only the others
    are projected to metres to measure by how much they differ.
    """
    moved = ~shapely.equals_exact(old, new, 0)
    if moved.any():
        moved[moved] = ~shapely.equals_exact(reg.to_metric(old[moved]),
                                             reg.to_metric(new[moved]), SAME_GEOMETRY_M)
    return moved


def _differs(old: pd.DataFrame, new: pd.DataFrame, fields: Sequence[str]) -> np.ndarray:
    differs = np.zeros(len(new), dtype=bool)
    for name in fields:
        differs |= _column_differs(old[name], new[name])
    return differs


def _column_differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Where two aligned columns hold different values; missing equals missing.

    >>> _column_differs(pd.Series([1, None, 3, None], dtype="Int64"),
    ...                 pd.Series([1, 2, 4, None], dtype="Int64")).tolist()
    [False, True, True, False]
    """
    if a.dtype == object or a.dtype != b.dtype:
        # As plain objects with None for missing, so != never meets pd.NA.
        return as_objects(a).to_numpy() != as_objects(b).to_numpy()
    equal = pd.array(a.array == b.array, dtype="boolean").to_numpy(dtype=bool, na_value=False)
    return ~equal & ~(a.isna().to_numpy() & b.isna().to_numpy())


def _retired_rejections(frame: pd.DataFrame, existing: pd.DataFrame, matched: np.ndarray,
                        retired: np.ndarray) -> pd.DataFrame:
    if not retired.any():
        return no_problems()
    rows = frame.index[retired]
    uuids = existing["uuid"].to_numpy()[matched[retired]]
    return problem_table(rows, "source_id", frame.loc[rows, "source_id"].to_numpy(),
                         [f"source id of retired asset {u}: a retired asset never changes"
                          for u in uuids])


def _duplicates(reg: Registry, layer: str, unseen: gpd.GeoDataFrame, survey: gpd.GeoDataFrame,
                existing: gpd.GeoDataFrame, fields: Sequence[str]
                ) -> tuple[pd.DataFrame, pd.Index]:
    """Probable duplicates among new records, and those that merely repeat an id-less asset."""
    tolerance = reg.duplicate_tolerance_m(layer)
    if tolerance <= 0 or unseen.empty:  # 0: the layer tells assets apart by attributes
        return no_problems(), pd.Index([])
    current = existing[existing["retired_at"].isna()]
    new = unseen.geometry.to_numpy()
    in_file = _earlier_neighbours(reg, new, survey.geometry.to_numpy(), unseen.index,
                                  survey.index, tolerance)
    in_registry = _neighbours(reg, new, current.geometry.to_numpy(), unseen.index, tolerance)
    same = _repeats(unseen, current, in_registry, fields).difference(in_file.index)
    return _duplicate_table(unseen, current, in_file, in_registry.drop(same), tolerance), same


def _neighbours(reg: Registry, geoms: np.ndarray, others: np.ndarray, rows: pd.Index,
                tolerance: float) -> pd.Series:
    """For each record (by row) close to an other, the position of the first such other."""
    pairs = _candidates(reg, geoms, others, tolerance)
    pairs = pairs[:, _close(reg, geoms, others, pairs, tolerance)]
    found = pd.Series(pairs[1], index=rows.to_numpy()[pairs[0]])
    return found.groupby(level=0).min()


def _earlier_neighbours(reg: Registry, geoms: np.ndarray, survey_geoms: np.ndarray,
                        rows: pd.Index, survey_rows: pd.Index, tolerance: float) -> pd.Series:
    """For each record (by row) close to an earlier survey record, the earliest such row."""
    pairs = _candidates(reg, geoms, survey_geoms, tolerance)
    pairs = pairs[:, survey_rows.to_numpy()[pairs[1]] < rows.to_numpy()[pairs[0]]]
    pairs = pairs[:, _close(reg, geoms, survey_geoms, pairs, tolerance)]
    found = pd.Series(survey_rows.to_numpy()[pairs[1]], index=rows.to_numpy()[pairs[0]])
    return found.groupby(level=0).min()


def _candidates(reg: Registry, geoms: np.ndarray, others: np.ndarray,
                tolerance: float) -> np.ndarray:
    """Index pairs (geom, other) that may lie within `tolerance` metres, found in lon/lat.

    The search distance in degrees is generous (taken at the northernmost latitude), so
    no close pair is missed and only the few candidates are projected to metres. Shapes
    within the tolerance all along have bounds within it on every side, so for lines and
    polygons that is the test (twice as generous again: a straight edge in metres bows a
    little in degrees); an edge-sharing neighbour fails it without a distance computed.
    """
    if len(geoms) == 0 or len(others) == 0:
        return np.empty((2, 0), dtype=np.intp)
    north = float(np.nanmax(np.abs(shapely.bounds(geoms)[:, [1, 3]])))
    span = np.array(reg.metric.degrees_for(tolerance, north))
    tree = shapely.STRtree(others)
    if _points_only(geoms) and _points_only(others):
        return tree.query(geoms, predicate="dwithin", distance=float(span.max()))
    span = np.tile(2 * span, 2)
    box = shapely.bounds(geoms)
    pairs = tree.query(shapely.box(*(box + span * [-1, -1, 1, 1]).T))
    near = (np.abs(box[pairs[0]] - shapely.bounds(others)[pairs[1]]) <= span).all(axis=1)
    return pairs[:, near]


def _points_only(geoms: np.ndarray) -> bool:
    return bool((shapely.get_type_id(geoms) == 0).all())


def _close(reg: Registry, geoms: np.ndarray, others: np.ndarray, pairs: np.ndarray,
           tolerance: float) -> np.ndarray:
    """Which candidate pairs (geoms[i], others[j]) are the same place, measured in metres.

    Each geometry is projected once, however many pairs it is in. Two shapes within the
    tolerance all along (Hausdorff distance) have bounds within it on every side, and so
    have two points within it of each other: pairs failing that cheap test (a neighbour
    sharing an edge) never reach the costly exact one, which then decides as before.
    """
    close = np.zeros(pairs.shape[1], dtype=bool)
    if not close.size:
        return close
    a, a_bounds = _in_metres(reg, geoms, pairs[0])
    b, b_bounds = _in_metres(reg, others, pairs[1])
    near = (np.abs(a_bounds - b_bounds) <= tolerance).all(axis=1)
    a, b = a[near], b[near]
    close[near] = shapely.dwithin(a, b, tolerance) & _same_place(a, b, tolerance)
    return close


def _in_metres(reg: Registry, geoms: np.ndarray, index: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """``geoms[index]`` in the metric CRS and their (n, 4) bounds, each distinct one
    projected once."""
    distinct, inverse = np.unique(index, return_inverse=True)
    projected = reg.to_metric(geoms[distinct])
    return projected[inverse], shapely.bounds(projected)[inverse]


def _same_place(a: np.ndarray, b: np.ndarray, tolerance: float) -> np.ndarray:
    """Points within the tolerance already are; lines and polygons must be close all along."""
    points = (shapely.get_type_id(a) == 0) & (shapely.get_type_id(b) == 0)
    close = np.ones(len(a), dtype=bool)
    if (~points).any():
        close[~points] = shapely.hausdorff_distance(a[~points], b[~points]) <= tolerance
    return close


def _repeats(unseen: gpd.GeoDataFrame, current: gpd.GeoDataFrame, near: pd.Series,
             fields: Sequence[str]) -> pd.Index:
    """New records without a source id that equal the id-less asset they sit on: a re-import."""
    rows = near.index
    record = unseen.loc[rows]
    asset = current.iloc[near.to_numpy()]
    no_id = asset["source_id"].isna().to_numpy()
    if "source_id" in record.columns:
        no_id = no_id & record["source_id"].isna().to_numpy()
    return rows[no_id & ~_differs(asset, record, fields)]


def _duplicate_table(unseen: gpd.GeoDataFrame, current: gpd.GeoDataFrame, in_file: pd.Series,
                     in_registry: pd.Series, tolerance: float) -> pd.DataFrame:
    assets = current.iloc[in_registry.to_numpy()]
    by_registry = pd.Series([f"within {tolerance:g} m of asset {u} ({c or 'no code'})"
                             for u, c in zip(assets["uuid"], assets["gbt_code"])],
                            index=in_registry.index, dtype=object)
    by_file = (f"within {tolerance:g} m of row " + in_file.astype(str) + " of this file")
    reasons = by_registry.combine_first(by_file.astype(object)).sort_index()
    values = _where(unseen.geometry.loc[reasons.index].to_numpy())
    return problem_table(reasons.index, "geometry", values, reasons.to_numpy(), "duplicate")


def _where(geoms: np.ndarray) -> list[str]:
    """A readable position for each geometry (lon, lat of a point on it)."""
    points = shapely.point_on_surface(geoms)
    return [f"{x:.6f}, {y:.6f}" for x, y in zip(shapely.get_x(points), shapely.get_y(points))]
