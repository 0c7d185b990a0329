"""What a survey import keeps but flags for review (待复核), instead of rejecting the record.

`importers.pipeline.check_survey` runs these steps: text destroyed before delivery is emptied
(``without_destroyed``), the status column's words fill the state and status fields
(``with_status``), values the registry finds wrong are emptied (``check_values``), required
fields left empty are listed (``empty_required``), and on a re-survey a flagged cell keeps the
registry's stored value (``keep_stored``). Every flag names row, field, the value as surveyed
(``as_surveyed``) and the reason.

>>> flags = problem_table([3, 3], ["depth_m", "material"], ["x", "y"], ["a", "b"], "flagged")
>>> not_yet_reported(flags, flags.iloc[[0]])[["row", "field"]].values.tolist()
[[3, 'material']]
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from importers.fields import SOURCE_ID, FieldPlan
from importers.report import combine, from_dicts, no_problems, problem_table
from importers.states import SurveyStatus
from registry import Query, Registry
from registry.checked import Checked
from registry.layers import Layer
from registry.validate import unusable


def not_yet_reported(problems: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """Drop a second word on a value already flagged (the normaliser's first)."""
    seen = pd.MultiIndex.from_frame(reported[["row", "field"]])
    return problems[~pd.MultiIndex.from_frame(problems[["row", "field"]]).isin(seen)]


def without_destroyed(frame: pd.DataFrame, plan: FieldPlan,
                      destroyed: pd.DataFrame) -> pd.DataFrame:
    """Mapped fields emptied where their text was destroyed; a source id is kept (flagged),
    for without it a re-import could not find the asset again."""
    frame = frame.copy()
    for column, rows in destroyed.groupby("field")["row"]:
        name = plan.columns.get(column)
        if name is not None and name != SOURCE_ID:
            frame.loc[rows.tolist(), name] = None
    return frame


def flag_names(destroyed: pd.DataFrame, plan: FieldPlan) -> pd.DataFrame:
    """Destroyed-text flags named by field where the column feeds one, else by column."""
    return destroyed.assign(field=destroyed["field"].map(lambda c: plan.columns.get(c, c)))


def with_status(frame: pd.DataFrame, status: SurveyStatus
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fields with the status column's state, and its status fields where the survey
    left them empty; a status word that contradicts a field's own column is flagged."""
    frame, flags = frame.copy(), [status.flags]
    for target, said in status.values.items():
        if target == "state" or target not in frame:
            frame[target] = said
            continue
        own = frame[target]
        clash = own.notna() & said.notna() & (own != said)
        flags.append(problem_table(frame.index[clash], target, own[clash].tolist(), [
            f"column {status.column} says {v}" for v in said[clash]], "flagged"))
        frame[target] = own.where(own.notna(), said)
    return frame, combine(*flags)


def check_values(reg: Registry, layer: Layer, records: gpd.GeoDataFrame
                 ) -> tuple[Checked, pd.DataFrame]:
    """The registry's check, with every value it finds wrong emptied and flagged (checked
    again, so what is written is what was checked); only unusable records keep problems."""
    checked = reg.check(layer.name, records, allow_empty_required=True)
    wrong = [p for p in checked.problems if not unusable(p)]
    if not wrong:
        return checked, no_problems()
    flags = from_dicts(wrong, "flagged")
    flags["reason"] = flags["reason"] + ": left empty for review"
    cleared = records.copy()
    for name, rows in flags.groupby("field")["row"]:
        cleared.loc[rows.tolist(), name] = None
    return reg.check(layer.name, cleared, allow_empty_required=True), flags


def keep_stored(reg: Registry, layer: Layer, checked: Checked, flags: pd.DataFrame
                ) -> tuple[Checked, pd.DataFrame]:
    """On a re-survey, a flagged cell left empty keeps the value the registry holds for that
    asset (same source id): a value nobody could read must not erase a good one."""
    records = checked.records
    # A column the file lacks is never written over (conflation compares what it supplies).
    empty = flags[flags["field"].isin(layer.field_names) & flags["field"].isin(records.columns)]
    if "source_id" not in records or empty.empty:
        return checked, flags
    empty = combine(*(group[records.loc[group["row"], name].isna().to_numpy()]
                      for name, group in empty.groupby("field")))
    ids = records["source_id"]
    fields = sorted(set(empty["field"]))
    stored = reg.query(Query(layer.name, include_retired=True, properties=["source_id", *fields]))
    stored = stored.dropna(subset=["source_id"]).drop_duplicates("source_id").set_index("source_id")
    kept = pd.Series(False, index=flags.index)
    for name, group in empty.groupby("field"):
        known = ids.loc[group["row"]]
        known = known[known.isin(stored.index)]
        values = stored[name].reindex(known.to_numpy())
        found = values.notna().to_numpy()
        records.loc[known.index[found], name] = values[found].to_numpy()
        kept |= flags["field"].eq(name) & flags["row"].isin(known.index[found])
    if not kept.any():
        return checked, flags
    flags = flags.copy()
    flags.loc[kept, "reason"] = flags.loc[kept, "reason"] + "; the registry keeps its stored value"
    return reg.check(layer.name, records, allow_empty_required=True), flags


def as_surveyed(flags: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Flags quoting each value as the survey wrote it (``'0.05'``), not as it was read."""
    flags = flags.copy()
    for name, group in flags.groupby("field"):
        if name in frame:
            flags.loc[group.index, "value"] = frame.loc[group["row"], name].to_numpy(dtype=object)
    return flags


def empty_required(layer: Layer, records: gpd.GeoDataFrame) -> pd.DataFrame:
    """A flag for every required field a record leaves empty (or the whole file lacks)."""
    found = []
    for f in layer.fields:
        if f.required and not f.derived:
            empty = records[f.name].isna() if f.name in records \
                else pd.Series(True, index=records.index)
            why = (f"required {f.zh} ({f.name}) is empty" if f.name in records else
                   f"required {f.zh} ({f.name}): the file has no column for it")
            found.append(problem_table(records.index[empty], f.name, [None] * int(empty.sum()),
                                       [why + ": record kept, field left empty for review"]
                                       * int(empty.sum()), "flagged"))
    return combine(*found) if found else no_problems()
