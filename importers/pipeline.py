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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from importers.conflate import Conflation, conflate
from importers.fields import FieldPlan, MappingFile, map_fields, read_mapping
from importers.report import ImportReport, combine, from_dicts, problem_table
from importers.sources import RawSurvey, read_survey
from importers.values import check_pressure_class, normalise
from registry import Change, Registry
from registry.change import iso, utc_now
from registry.checked import Checked
from registry.layers import Layer


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
    # Conflation and the write share one locked transaction: a concurrent import of the
    # layer waits, then sees this one's rows as duplicates (a dry run writes nothing: no lock).
    with nullcontext() if dry_run else reg.import_lock(layer):
        found = conflate(reg, checked.valid)
        report = build_report(raw, lay, plan, checked, found, accept_duplicates)
        report.dry_run = dry_run
        if not dry_run:
            report.batch = str(uuidlib.uuid4())
            options = {"encoding": encoding, "crs": crs, "coords": coords,
                       "gpkg_layer": gpkg_layer,
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
    """Normalise values, repair geometry and validate every record against the layer.

    The registry checks the records once, here: conflation and the write take them as
    checked.
    """
    frame = plan.apply(raw.frame).set_index("_row")
    frame.index.name = "row"
    out = check_pressure_class(normalise(frame, layer, plan.value_maps))
    records, repaired = repair_geometries(gpd.GeoDataFrame(out.frame, crs=raw.frame.crs), layer)
    columns = [c for c in [*layer.field_names, "source_id"] if c in records.columns]
    checked = reg.check(layer.name, records[[*columns, records.geometry.name]])
    rejections = combine(out.rejections,
                         _not_yet_reported(from_dicts(checked.problems), out.rejections))
    return CheckedSurvey(checked, rejections, combine(out.corrections, repaired))


def _not_yet_reported(problems: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """Drop the registry's second word on a value the normaliser already rejected."""
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
    problems = combine(rejections, checked.corrections, found.duplicates)
    duplicates = len(found.duplicates)
    return ImportReport(
        file=raw.path.name, layer=layer.name, total=len(checked.records),
        accepted=len(found.new) + (duplicates if accept_duplicates else 0),
        updated=len(found.updates), unchanged=len(found.unchanged), rejected=len(rejected),
        warned=len(set(checked.corrections["row"]) - rejected), duplicates=duplicates,
        encoding=raw.encoding, encoding_note=raw.encoding_note, crs=raw.source_crs,
        crs_note=raw.crs_note, columns=dict(plan.columns), unmapped=plan.unmapped,
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
