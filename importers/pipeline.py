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
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.conflate import Conflation, conflate
from importers.delivery import pack
from importers.held import AcceptDuplicates, accepted_duplicates, review_items
from importers.fields import FieldPlan, MappingFile, map_fields, read_mapping
from importers.integrity import destroyed_text
from importers.review import (as_surveyed, check_values, empty_required, flag_names,
                              keep_stored, not_yet_reported, with_status, without_destroyed)
from importers.report import ImportReport, combine, from_dicts, no_problems, problem_table
from importers.sources import RawSurvey, read_survey
from importers.states import survey_status
from importers.values import check_pressure_class, normalise
from registry import Change, Registry
from registry.change import iso, utc_now
from registry.checked import Checked
from registry.layers import SOURCE_ATTRIBUTES, Layer
from registry.review import hold
from registry.source_attributes import as_json


Progress = Callable[[int, int], None]
#: Columns the reader adds to a survey's own (`RawSurvey.frame`): not the contractor's data.
READER_COLUMNS = ("_row", "_outside_extent")


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
                  accept_duplicates: AcceptDuplicates = False,
                  progress: Progress | None = None, xy: tuple[str, str] | None = None,
                  rebatch_of: str | None = None) -> ImportReport:
    """Import a survey file into `layer`; returns what was (or, dry run, would be) done.

    The file itself is archived with the batch (`importers.delivery`); probable duplicates
    not accepted (`accept_duplicates`: all, or a collection of source rows) and flagged
    fields are held for review with it (`importers.held`). `progress(done, total)` is
    called as records are written; `xy` names the x and y coordinate columns of a table
    (see `importers.sources.read_survey`), and the mapping file's ``[coordinates]`` give it
    (and `crs`) when the caller gives none; `rebatch_of` names the batch whose archived
    file this is, read again (`importers.rebatch`).
    """
    started = utc_now()
    lay = reg.layers[layer]
    mapping_file = _mapping(mapping)
    if xy is None and mapping_file is not None and mapping_file.coordinates is not None:
        xy, crs = mapping_file.coordinates.xy, crs or mapping_file.coordinates.crs
    raw = read_survey(path, layer_name=gpkg_layer, encoding=encoding, crs=crs, coords=coords,
                      extent=reg.settings.extent, target_srid=reg.settings.storage_srid, xy=xy)
    plan = map_fields(lay, raw.frame, mapping_file)
    checked = check_survey(reg, lay, raw, plan)
    checked.corrections = combine(checked.corrections, plan.defaulted(checked.records.index))
    # Conflation and the write share one locked transaction: a concurrent import of the
    # layer waits, then sees this one's rows as duplicates (a dry run writes nothing: no lock).
    with nullcontext() if dry_run else reg.import_lock(layer):
        found = conflate(reg, checked.valid)
        accepted = accepted_duplicates(found.duplicates, accept_duplicates)
        report = build_report(raw, lay, plan, checked, found, accepted)
        report.notes += plan.notes
        report.dry_run = dry_run
        if not dry_run:
            report.batch = str(uuidlib.uuid4())
            said = (accept_duplicates if isinstance(accept_duplicates, bool)
                    else accepted.tolist())
            options = {"encoding": encoding, "crs": crs, "coords": coords,
                       "gpkg_layer": gpkg_layer,
                       "mapping": str(getattr(mapping, "path", mapping)) if mapping else None,
                       "accept_duplicates": said, "columns": dict(plan.columns),
                       "xy": list(xy) if xy else None,
                       **({"rebatch_of": rebatch_of} if rebatch_of else {})}
            batch = _batch_record(report, raw, who, started, options)
            outcome = Outcome(batch, pack(raw.path, raw.checksum), accepted, report.problem_table)
            _write(reg, lay, checked, found, outcome, progress)
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
    frame = without_destroyed(plan.apply(raw.frame).set_index("_row"), plan, destroyed)
    frame.index.name = "row"
    out = check_pressure_class(normalise(frame, layer, plan.value_maps))
    status = survey_status(source, layer, claimed=plan.columns)
    fields, status_flags = with_status(out.frame, status)
    records, repaired = repair_geometries(gpd.GeoDataFrame(fields, crs=raw.frame.crs), layer)
    records[SOURCE_ATTRIBUTES] = source_attributes(raw).reindex(records.index)
    columns = [c for c in [*layer.field_names, "source_id", "state", SOURCE_ATTRIBUTES]
               if c in records.columns]
    checked, value_flags = check_values(reg, layer, records[[*columns, records.geometry.name]])
    flags = combine(flag_names(destroyed, plan), out.flags, status_flags,
                    not_yet_reported(as_surveyed(value_flags, frame), out.flags))
    flags = combine(flags, not_yet_reported(empty_required(layer, checked.records), flags))
    checked, flags = keep_stored(reg, layer, checked, flags)
    rejections = from_dicts(checked.problems)
    return CheckedSurvey(checked, rejections, combine(out.corrections, repaired), flags,
                         {status.column: "state"} if status.column else {})


def source_attributes(raw: RawSurvey) -> pd.Series:
    """Every record's own attributes as read — all the file's columns, mapped or not, before
    any renaming or normalising — as JSON text, indexed by source row.

    >>> frame = gpd.GeoDataFrame({"_row": [1], "备注": ["井盖松动"], "MS": ["1.2"],
    ...                           "_outside_extent": [False]}, geometry=[None])
    >>> source_attributes(RawSurvey(frame, Path("d.csv"), "CSV", "")).tolist()
    ['{"备注":"井盖松动","MS":"1.2"}']
    """
    frame = raw.frame
    own = [c for c in frame.columns if c not in READER_COLUMNS and c != frame.geometry.name]
    return pd.Series(as_json(pd.DataFrame(frame[own])), index=frame["_row"].to_numpy(),
                     dtype=object)


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
                 found: Conflation, accepted_duplicates: pd.Index) -> ImportReport:
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
        accepted=len(found.new) + len(accepted_duplicates),
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


@dataclass
class Outcome:
    """What an import writes besides its assets: the batch record, the delivered file, the
    probable duplicates accepted, and the problems (whose flagged fields are held)."""

    batch: dict
    delivered: dict
    accepted: pd.Index
    problems: pd.DataFrame


def _write(reg: Registry, layer: Layer, checked: CheckedSurvey, found: Conflation,
           outcome: Outcome, progress: Progress | None) -> None:
    """Write adds, updates, the delivered file, the review items and the batch record in
    one transaction."""
    batch = outcome.batch
    change = Change(who=batch["who"], why=_why(batch), source="import",
                    ref=batch["batch_uuid"])
    rows = found.new.append(outcome.accepted).sort_values()
    new = checked.checked.rows(rows)
    updates = checked.checked.rows(found.updates.index).as_edits(found.updates["uuid"])
    total, done = len(new.records) + len(updates.records), 0
    written = dict(zip(found.updates.index, found.updates["uuid"]))
    with reg.transaction():
        for step in _steps(new, updates):
            if step.uuids is None:
                written |= dict(zip(rows, reg.add(layer.name, step, change)["uuid"]))
            else:
                reg.update_many(layer.name, step, change)
            done += len(step.records)
            if progress:
                progress(done, total)
        hold(reg, batch, review_items(checked.records, found.duplicates, outcome.problems,
                                      outcome.accepted, written), change)
        reg.archive_file(outcome.delivered)
        reg.add_batch({**batch, "finished_at": iso(utc_now())})


def _why(batch: dict) -> str:
    earlier = batch["options"].get("rebatch_of")
    if earlier:
        return f"survey import {batch['file_name']} re-mapped (batch {earlier[:8]})"
    return f"survey import {batch['file_name']}"


def _steps(*writes: Checked) -> list[Checked]:
    # One call per kind of write: the registry's bulk path (indexes built once, a packed
    # R*Tree) only pays off when it sees the whole batch at once.
    return [write for write in writes if len(write.records)]
