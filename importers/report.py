"""What an import did, for the person who ran it: counts, notes, problems and a rejects file.

Problems are one table — source row, field, value, reason and the action taken — so a
million-row survey's problems stay a frame, not a million dicts, until someone asks for them.
The actions:

- ``rejected``: the record is unusable and was not written — no or invalid geometry, outside
  the registry's area, or its identity is broken (source id repeated, UUID malformed);
- ``flagged`` (待复核): the record was written but one value needs a person — the value could
  not be read or lies outside the field's domain or range, a required field is empty, text
  was destroyed before delivery; the field was left empty and the raw value is quoted here;
- ``corrected``: a value was changed in a way a person should check (0 read as unknown, a
  swapped pressure class, a repaired geometry);
- ``duplicate``: a probable duplicate of an existing asset, held for a person to decide.

>>> report = ImportReport(file="lamps.csv", layer="lamp_posts", total=3, accepted=2, rejected=1,
...     problem_table=problem_table([7], "wattage_w", ["9 kW"], ["above the maximum 2000 W"]))
>>> print(report.summary().splitlines()[4])
新增 Accepted: 2
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from registry.errors import InvalidInput

PROBLEM_COLUMNS = ["row", "field", "value", "reason", "action"]
ACTIONS = ("rejected", "flagged", "corrected", "duplicate")
#: Summary lines: (attribute, label). Chinese first, as the bureau reads it.
COUNT_LABELS = (
    ("total", "记录 Records"), ("accepted", "新增 Accepted"), ("updated", "更新 Updated"),
    ("unchanged", "未变 Unchanged"), ("rejected", "拒绝 Rejected"),
    ("flagged", "待复核 Flagged"), ("warned", "警告 Warned"),
    ("duplicates", "疑似重复 Probable duplicates"),
)
#: How many problems the summary lists before pointing at the rejects file.
SUMMARY_PROBLEMS = 20


def problem_table(rows: Sequence[Any], field_name: str | Sequence[str | None] | None,
                  values: Sequence[Any], reasons: Sequence[str],
                  action: str = "rejected") -> pd.DataFrame:
    """A problem table from parallel columns (a single field name applies to every row).

    >>> problem_table([3], "depth_m", [-1], ["below 0.2 m"]).iloc[0].to_dict()
    {'row': 3, 'field': 'depth_m', 'value': -1, 'reason': 'below 0.2 m', 'action': 'rejected'}
    """
    column = np.empty(len(values), dtype=object)
    column[:] = list(values)  # element by element: a value may itself be a sequence
    return pd.DataFrame({"row": np.asarray(rows, dtype=object), "field": field_name,
                         "value": column, "reason": np.asarray(reasons, dtype=object),
                         "action": action}, columns=PROBLEM_COLUMNS).astype(object)


def no_problems() -> pd.DataFrame:
    """An empty problem table."""
    return problem_table([], None, [], [])


def from_dicts(problems: Sequence[dict], action: str = "rejected") -> pd.DataFrame:
    """A problem table from the registry's problem dicts (row, field, value, reason)."""
    return problem_table([p["row"] for p in problems], [p.get("field") for p in problems],
                         [p.get("value") for p in problems], [p["reason"] for p in problems],
                         action)


def combine(*tables: pd.DataFrame) -> pd.DataFrame:
    """Problem tables stacked, ordered by source row then field."""
    present = [t for t in tables if len(t)]
    if not present:
        return no_problems()
    stacked = pd.concat(present, ignore_index=True)
    order = np.lexsort((stacked["field"].astype(str), stacked["row"].astype("int64")))
    return stacked.iloc[order].reset_index(drop=True)


@dataclass
class ImportReport:
    """The outcome of one survey import (or of a dry run, which writes nothing)."""

    file: str
    layer: str
    total: int = 0
    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: Records written with at least one value left empty for review.
    flagged: int = 0
    warned: int = 0
    duplicates: int = 0
    dry_run: bool = False
    batch: str | None = None
    encoding: str | None = None
    encoding_note: str = ""
    crs: str = ""
    crs_note: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    problem_table: pd.DataFrame = field(default_factory=no_problems)
    #: Geometry of every record named in the problems (storage CRS), for a GeoJSON rejects file.
    geometry: gpd.GeoSeries | None = None

    @property
    def problems(self) -> list[dict]:
        """Every problem as a dict: row, field, value, reason, action."""
        return [{k: _plain(v) for k, v in p.items()}
                for p in self.problem_table.to_dict("records")]

    def counts(self) -> dict[str, int]:
        """The counts by name, as stored in the batch record."""
        return {name: getattr(self, name) for name, _ in COUNT_LABELS}

    def summary(self) -> str:
        """The report as text: counts, notes, unmapped columns and the first problems."""
        lines = [f"导入 Import: {self.file} → {self.layer}"
                 + (f" (批次 batch {self.batch})" if self.batch else ""),
                 f"编码 Encoding: {self.encoding or '-'} {self.encoding_note}".rstrip(),
                 f"坐标系 CRS: {self.crs or '-'} {self.crs_note}".rstrip()]
        lines += [f"{label}: {getattr(self, name)}" for name, label in COUNT_LABELS]
        lines += [f"字段 Columns: {raw} → {name}" for raw, name in self.columns.items()]
        if self.unmapped:
            lines.append(f"未映射字段 Unmapped columns: {', '.join(self.unmapped)}")
        lines += self.notes + self._problem_lines()
        if self.dry_run:
            lines.append("试运行 Dry run: nothing was written")
        return "\n".join(lines)

    def _problem_lines(self) -> list[str]:
        shown = self.problem_table.head(SUMMARY_PROBLEMS)
        lines = [f"  {p.action}: row {p.row}, {p.field or '-'}, {_show(p.value)}: {p.reason}"
                 for p in shown.itertuples()]
        more = len(self.problem_table) - len(shown)
        if more:
            lines.append(f"  ... and {more} more (write them all with --rejects FILE)")
        return (["问题 Problems:"] + lines) if lines else []


def write_rejects(report: ImportReport, path: Path | str) -> Path:
    """Write every rejected, flagged or altered record's problems: CSV (UTF-8 with BOM) or
    GeoJSON.

    Excel opens a CSV as the local code page unless it starts with a byte-order mark, so
    the BOM keeps Chinese readable there.
    """
    path = check_rejects_path(path)
    table = report.problem_table.assign(value=report.problem_table["value"].map(_show_value))
    if path.suffix.lower() == ".csv":
        table.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        _rejects_geojson(table, report.geometry).to_file(path, driver="GeoJSON")
    return path


def check_rejects_path(path: Path | str) -> Path:
    """The rejects file name, refused unless it ends .csv or .geojson (checked before importing).

    >>> check_rejects_path("out.xlsx")
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInput: rejects file out.xlsx: use a .csv or .geojson name
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".geojson", ".json"):
        raise InvalidInput(f"rejects file {path}: use a .csv or .geojson name")
    return path


def _rejects_geojson(table: pd.DataFrame, geometry: gpd.GeoSeries | None) -> gpd.GeoDataFrame:
    geoms = geometry.reindex(table["row"]).to_numpy() if geometry is not None \
        else [None] * len(table)
    return gpd.GeoDataFrame(table.astype({"row": "int64"}), geometry=list(geoms), crs=4490)


def _show_value(value: Any) -> str | None:
    value = _plain(value)
    return None if value is None else str(value)


def _show(value: Any) -> str:
    value = _plain(value)
    return "-" if value is None else repr(value) if isinstance(value, str) else str(value)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if isinstance(value, np.generic) else value
