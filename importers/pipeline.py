"""Import one survey file into the registry: read, map, normalise, check, conflate, write.

One import is one batch and one transaction: the new assets, the new versions of changed
assets and the batch record (file, checksum, who, when, encoding, CRS, counts) are written
together or not at all. A dry run computes the same report and writes nothing. Importing
the same file again changes no asset: every record comes back unchanged.

>>> report = import_survey(reg, "drains.shp", "drains", who="王工")   # doctest: +SKIP
>>> report.accepted, report.rejected                                  # doctest: +SKIP
(1180, 3)
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.conflate import Conflation, conflate
from importers.fields import SOURCE_ID, FieldPlan, MappingFile, map_fields, read_mapping
from importers.integrity import destroyed_text
from importers.report import ImportReport, combine, from_dicts, no_problems, problem_table
from importers.sources import RawSurvey, read_survey
from importers.states import SurveyStatus, survey_status
from importers.values import check_pressure_class, normalise
from registry import Change, Query, Registry
from registry.change import iso, utc_now
from registry.checked import Checked
from registry.layers import Layer
from registry.validate import unusable


Progress = Callable[[int, int], None]


@dataclass
class CheckedSurvey:
    """A survey's records after normalising and checking.

    `checked` holds every record as the registry stores it, indexed by source row, with the
    registry's word on each; the rows in `rejections` are never written.
    """

    checked: Checked
    rejections: pd.DataFrame
    corrections: pd.DataFrame
    #: Values left empty for review; their records are written.
    flags: pd.DataFrame = field(default_factory=no_problems)
    #: Survey columns read outside the field plan (the status column → ``state``).
    extra_columns: dict[str, str] = field(default_factory=dict)

    @property
    def records(self) -> gpd.GeoDataFrame:
        return self.checked.records

    @property
    def valid(self) -> Checked:
        """The records nothing rejected."""
        rows = self.records.index
        return self.checked.rows(rows[~rows.isin(self.rejections["row"])])


def import_survey(reg: Registry, path: str | Path, layer: str, *, who: str,
                  encoding: str | None = None, crs: str | int | None = None,
                  coords: str | None = None, mapping: str | Path | MappingFile | None = None,
                  gpkg_layer: str | None = None, dry_run: bool = False,
                  accept_duplicates: bool = False, progress: Progress | None = None
                  ) -> ImportReport:
    """Import a survey file into `layer`; returns what was (or, dry run, would be) done.

    `progress(done, total)` is called as records are written.
    """
    started = utc_now()
    lay = reg.layers[layer]
    raw = read_survey(path, layer_name=gpkg_layer, encoding=encoding, crs=crs, coords=coords,
                      extent=reg.settings.extent, target_srid=reg.settings.storage_srid)
    plan = map_fields(lay, raw.frame.columns, _mapping(mapping))
    checked = check_survey(reg, lay, raw, plan)
    found = conflate(reg, checked.valid)
    report = build_report(raw, lay, plan, checked, found, accept_duplicates)
    report.dry_run = dry_run
    if not dry_run:
        report.batch = str(uuidlib.uuid4())
        options = {"encoding": encoding, "crs": crs, "coords": coords, "gpkg_layer": gpkg_layer,
                   "mapping": str(getattr(mapping, "path", mapping)) if mapping else None,
                   "accept_duplicates": accept_duplicates}
        batch = _batch_record(report, raw, who, started, options)
        _write(reg, lay, checked, found, batch, accept_duplicates, progress)
    return report


def _mapping(mapping: str | Path | MappingFile | None) -> MappingFile | None:
    if mapping is None or isinstance(mapping, MappingFile):
        return mapping
    return read_mapping(mapping)


def check_survey(reg: Registry, layer: Layer, raw: RawSurvey, plan: FieldPlan) -> CheckedSurvey:
    """Normalise values, read the status column, repair geometry and validate every record.

    Only an unusable record is rejected: no or invalid geometry, outside the registry's area,
    a broken identity (``registry.validate.unusable``). A bad value — unreadable, outside the
    field's domain or range, destroyed text, a required field empty — leaves that field
    empty and the record kept, flagged for review with its raw value. The registry checks
    the records once, here: conflation and the write take them as checked.
    """
    source = raw.frame.set_index("_row")
    source.index.name = "row"
    destroyed = destroyed_text(source)
    frame = _without_destroyed(plan.apply(raw.frame).set_index("_row"), plan, destroyed)
    frame.index.name = "row"
    out = check_pressure_class(normalise(frame, layer, plan.value_maps))
    status = survey_status(source, layer, claimed=plan.columns)
    fields, status_flags = _with_status(out.frame, status)
    records, repaired = repair_geometries(gpd.GeoDataFrame(fields, crs=raw.frame.crs), layer)
    columns = [c for c in [*layer.field_names, "source_id", "state"] if c in records.columns]
    checked, value_flags = _check_values(reg, layer, records[[*columns, records.geometry.name]])
    flags = combine(_flag_names(destroyed, plan), out.flags, status_flags,
                    _not_yet_reported(_as_surveyed(value_flags, frame), out.flags))
    flags = combine(flags, _not_yet_reported(_empty_required(layer, checked.records), flags))
    checked, flags = _keep_stored(reg, layer, checked, flags)
    rejections = from_dicts(checked.problems)
    return CheckedSurvey(checked, rejections, combine(out.corrections, repaired), flags,
                         {status.column: "state"} if status.column else {})


def _without_destroyed(frame: pd.DataFrame, plan: FieldPlan,
                       destroyed: pd.DataFrame) -> pd.DataFrame:
    """Mapped fields emptied where their text was destroyed; a source id is kept (flagged),
    for without it a re-import could not find the asset again."""
    frame = frame.copy()
    for column, rows in destroyed.groupby("field")["row"]:
        name = plan.columns.get(column)
        if name is not None and name != SOURCE_ID:
            frame.loc[rows.tolist(), name] = None
    return frame


def _flag_names(destroyed: pd.DataFrame, plan: FieldPlan) -> pd.DataFrame:
    """Destroyed-text flags named by field where the column feeds one, else by column."""
    return destroyed.assign(field=destroyed["field"].map(lambda c: plan.columns.get(c, c)))


def _with_status(frame: pd.DataFrame, status: SurveyStatus) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def _check_values(reg: Registry, layer: Layer, records: gpd.GeoDataFrame
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


def _keep_stored(reg: Registry, layer: Layer, checked: Checked, flags: pd.DataFrame
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


def _as_surveyed(flags: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Flags quoting each value as the survey wrote it (``'0.05'``), not as it was read."""
    flags = flags.copy()
    for name, group in flags.groupby("field"):
        if name in frame:
            flags.loc[group.index, "value"] = frame.loc[group["row"], name].to_numpy(dtype=object)
    return flags


def _empty_required(layer: Layer, records: gpd.GeoDataFrame) -> pd.DataFrame:
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


def _not_yet_reported(problems: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """Drop a second word on a value already flagged (the normaliser's first)."""
    seen = pd.MultiIndex.from_frame(reported[["row", "field"]])
    return problems[~pd.MultiIndex.from_frame(problems[["row", "field"]]).isin(seen)]


def repair_geometries(records: gpd.GeoDataFrame, layer: Layer
                      ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Invalid geometries made valid where the result is still a type the layer takes.

    What cannot be repaired that way is left for validation to reject.

    >>> from registry.layers import load_layers
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> records = gpd.GeoDataFrame(geometry=[bowtie], index=[7])
    >>> fixed, notes = repair_geometries(records, load_layers()["bridges"])
    >>> fixed.geom_type.tolist(), notes[["row", "value", "action"]].values.tolist()
    (['MultiPolygon'], [[7, 'Self-intersection[0.5 0.5]', 'corrected']])
    """
    geoms = records.geometry.to_numpy()
    broken = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
    fixed = shapely.make_valid(geoms[broken])
    allowed = [shapely.GeometryType[name.upper()] for name in layer.geometry]
    kept = np.isin(shapely.get_type_id(fixed), allowed)
    rows = records.index[broken][kept]
    note = problem_table(rows, "geometry", shapely.is_valid_reason(geoms[broken][kept]),
                         ["invalid geometry repaired (make_valid): check its shape"] * len(rows),
                         "corrected")
    repaired = geoms.copy()
    repaired[np.flatnonzero(broken)[kept]] = fixed[kept]
    return records.set_geometry(gpd.GeoSeries(repaired, index=records.index,
                                              crs=records.crs)), note


def build_report(raw: RawSurvey, layer: Layer, plan: FieldPlan, checked: CheckedSurvey,
                 found: Conflation, accept_duplicates: bool) -> ImportReport:
    """The report of an import, before anything is written."""
    rejections = combine(checked.rejections, found.rejections)
    rejected = set(rejections["row"])
    # A rejected record's value flags stay in the table (all its problems at once), but it
    # counts as rejected only.
    problems = combine(rejections, checked.flags, checked.corrections, found.duplicates)
    duplicates = len(found.duplicates)
    columns = {**plan.columns, **checked.extra_columns}
    return ImportReport(
        file=raw.path.name, layer=layer.name, total=len(checked.records),
        accepted=len(found.new) + (duplicates if accept_duplicates else 0),
        updated=len(found.updates), unchanged=len(found.unchanged), rejected=len(rejected),
        flagged=len(set(checked.flags["row"]) - rejected),
        warned=len(set(checked.corrections["row"]) - rejected), duplicates=duplicates,
        encoding=raw.encoding, encoding_note=raw.encoding_note, crs=raw.source_crs,
        crs_note=raw.crs_note, columns=columns,
        unmapped=tuple(c for c in plan.unmapped if c not in checked.extra_columns),
        notes=list(raw.warnings), problem_table=problems,
        geometry=checked.records.geometry.reindex(problems["row"].unique()))


def _batch_record(report: ImportReport, raw: RawSurvey, who: str, started: datetime,
                  options: dict) -> dict:
    return {"batch_uuid": report.batch, "layer": report.layer, "file_name": report.file,
            "checksum": raw.checksum, "who": who, "started_at": iso(started),
            "encoding": raw.encoding, "encoding_note": raw.encoding_note,
            "crs": raw.source_crs, "crs_note": raw.crs_note, "counts": report.counts(),
            "options": options}


def _write(reg: Registry, layer: Layer, checked: CheckedSurvey, found: Conflation,
           batch: dict, accept_duplicates: bool, progress: Progress | None) -> None:
    """Write adds, updates and the batch record in one transaction."""
    change = Change(who=batch["who"], why=f"survey import {batch['file_name']}",
                    source="import", ref=batch["batch_uuid"])
    rows = found.new.append(pd.Index(found.duplicates["row"]) if accept_duplicates
                            else pd.Index([])).sort_values()
    new = checked.checked.rows(rows)
    updates = checked.checked.rows(found.updates.index).as_edits(found.updates["uuid"])
    total, done = len(new.records) + len(updates.records), 0
    with reg.transaction():
        for step in _steps(new, updates):
            write = reg.add if step.uuids is None else reg.update_many
            write(layer.name, step, change)
            done += len(step.records)
            if progress:
                progress(done, total)
        reg.add_batch({**batch, "finished_at": iso(utc_now())})


def _steps(*writes: Checked) -> list[Checked]:
    # One call per kind of write: the registry's bulk path (indexes built once, a packed
    # R*Tree) only pays off when it sees the whole batch at once.
    return [write for write in writes if len(write.records)]
