"""A mapping proposal for the data manager to review before anything is written.

Per source column: the field it would feed (or none), why, a confidence, sample values and,
for a field with a fixed list of values, every distinct value with its count and what it
becomes. The proposal prints as text (``infracensus import --plan``), serialises with
`MappingProposal.to_dict` (for the web upload) and writes as a mapping file to edit and pass
back with ``--mapping``, which then imports exactly as proposed.

>>> from registry.layers import load_layers
>>> survey = pd.DataFrame({"CZ": ["灰口铸铁", "PE", "木头"], "GJ": [100, 150, 160]})
>>> proposal = propose_mapping(load_layers()["gas_mains"], survey, "mains.shp")
>>> [(c.column, c.field, c.confidence) for c in proposal.columns]
[('CZ', 'material', 0.8), ('GJ', 'diameter_mm', 1.0)]
>>> [(v.value, v.count, v.becomes) for v in proposal.columns[0].values]
[('灰口铸铁', 1, 'grey_cast_iron'), ('PE', 1, 'pe'), ('木头', 1, None)]
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from importers.column_match import Decision
from importers.fields import RESERVED_COLUMNS, FieldPlan, MappingFile, map_fields, read_mapping
from importers.sources import read_survey
from importers.values import NULL_TOKENS, as_text, domain_lookup, text_key
from registry import Registry
from registry.layers import Layer

#: How many distinct sample values a column shows.
SAMPLES = 5


@dataclass(frozen=True)
class ValueCount:
    """One distinct value of a column, how many records give it, and the layer value it
    becomes (None: unmatched, for the mapping file's ``[values.FIELD]``)."""

    value: str
    count: int
    becomes: str | None


@dataclass(frozen=True)
class ColumnProposal:
    """What one source column would feed, and the evidence."""

    column: str
    field: str | None
    why: str
    confidence: float
    unit: str | None = None
    samples: tuple[str, ...] = ()
    values: tuple[ValueCount, ...] = ()

    @property
    def unmatched(self) -> tuple[ValueCount, ...]:
        return tuple(v for v in self.values if v.becomes is None)


@dataclass(frozen=True)
class MappingProposal:
    """The proposal for one survey and layer."""

    file: str
    layer: str
    records: int
    columns: tuple[ColumnProposal, ...]
    notes: tuple[str, ...] = ()
    mapping: MappingFile = field(default_factory=MappingFile)
    #: How the file was read (encoding, CRS, the reader's warnings), as the import reports it.
    reading: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for the web upload's review page."""
        data = json.loads(json.dumps(asdict(self), ensure_ascii=False, default=str))
        data["mapping"] = {"defaults": dict(self.mapping.defaults),
                           "coordinates": (asdict(self.mapping.coordinates)
                                           if self.mapping.coordinates else None)}
        return data

    def to_text(self) -> str:
        """The proposal as the ``--plan`` command prints it."""
        lines = [f"映射方案 Mapping plan: {self.file} → {self.layer} ({self.records} records)",
                 *self.reading]
        for col in self.columns:
            lines += _column_lines(col)
        return "\n".join(lines + list(self.notes))

    def to_toml(self) -> str:
        """The proposal as a mapping file: every column's decision, value tables to fill in."""
        lines = [f"# 映射方案 Mapping plan: {self.file} → {self.layer}, "
                 "written by `infracensus import --plan`.", *TOML_HELP, "", "[fields]"]
        lines += [_field_line(col) for col in self.columns]
        for name in self._value_tables():
            lines += ["", f"[values.{name}]", *_value_lines(self, name)]
        lines += ["", *_defaults_lines(self.mapping), "", *_coordinates_lines(self.mapping)]
        return "\n".join(lines) + "\n"

    def _value_tables(self) -> list[str]:
        fed = [c.field for c in self.columns if c.field and c.unmatched]
        return list(dict.fromkeys([*fed, *self.mapping.values]))


def propose_mapping(layer: Layer, frame: pd.DataFrame, file: str,
                    mapping: MappingFile | None = None) -> MappingProposal:
    """Propose how the survey `frame` (as read) maps to `layer`."""
    mapping = mapping or MappingFile()
    plan = map_fields(layer, frame, mapping)
    return MappingProposal(file, layer.name, len(frame),
                           tuple(_column(layer, frame, plan, d) for d in plan.decisions),
                           plan.notes, mapping)


def plan_survey(reg: Registry, path: str | Path, layer: str, *, encoding: str | None = None,
                crs: str | int | None = None, coords: str | None = None,
                mapping: str | Path | MappingFile | None = None,
                gpkg_layer: str | None = None,
                xy: tuple[str, str] | None = None) -> MappingProposal:
    """Read a survey as an import would and propose its mapping; writes nothing.

    The mapping file's ``[coordinates]`` give `xy` (and `crs`) when the caller gives none.

    >>> proposal = plan_survey(reg, "gas.gpkg", "gas_mains")   # doctest: +SKIP
    """
    if mapping is not None and not isinstance(mapping, MappingFile):
        mapping = read_mapping(mapping)
    given = mapping.coordinates if mapping is not None else None
    if xy is None and given is not None:
        xy, crs = given.xy, crs or given.crs
    raw = read_survey(path, layer_name=gpkg_layer, encoding=encoding, crs=crs, coords=coords,
                      extent=reg.settings.extent, target_srid=reg.settings.storage_srid,
                      xy=xy)
    frame = raw.frame.drop(columns=[c for c in RESERVED_COLUMNS if c in raw.frame.columns])
    reading = (f"编码 Encoding: {raw.encoding or '-'} {raw.encoding_note}".rstrip(),
               f"坐标系 CRS: {raw.source_crs or '-'} {raw.crs_note}".rstrip(), *raw.warnings)
    return replace(propose_mapping(reg.layers[layer], frame, raw.path.name, mapping),
                   reading=reading)


def _column(layer: Layer, frame: pd.DataFrame, plan: FieldPlan,
            decision: Decision) -> ColumnProposal:
    raw = frame[decision.column]
    present = as_text(raw).dropna()
    present = present[~text_key(present).isin(NULL_TOKENS)]
    samples = tuple(present.drop_duplicates().head(SAMPLES))
    name = decision.field
    fld = layer.field(name) if name and name in layer.field_names else None
    values = _value_table(present, fld, plan) if fld is not None and fld.values else ()
    return ColumnProposal(decision.column, name, decision.why(), decision.confidence,
                          decision.unit, samples, values)


def _value_table(present: pd.Series, fld: Any, plan: FieldPlan) -> tuple[ValueCount, ...]:
    lookup = domain_lookup(fld, plan.value_maps.get(fld.name, {}))
    counts = present.value_counts(sort=True)
    becomes = text_key(pd.Series(counts.index, dtype="string")).map(lookup)
    return tuple(ValueCount(str(v), int(n), None if pd.isna(b) else str(b))
                 for v, n, b in zip(counts.index, counts.to_numpy(), becomes))


def _column_lines(col: ColumnProposal) -> list[str]:
    target = col.field or "-"
    lines = [f"{col.column} → {target}  [{col.confidence:.2f}]  {col.why}"]
    if col.samples:
        lines.append(f"    样例 Samples: {', '.join(col.samples)}")
    if col.values:
        shown = [f"{v.value} → {v.becomes or '? unmatched'} ({v.count})" for v in col.values]
        lines.append(f"    值 Values: {' · '.join(shown)}")
    return lines


TOML_HELP = (
    "# Edit it, then import with --mapping THIS_FILE. Per column under [fields]:",
    '#   COLUMN = "FIELD"                          the column feeds FIELD',
    '#   COLUMN = {field = "FIELD", unit = "ft"}   ... and its plain numbers are in feet',
    '#   COLUMN = ""                               feeds no field',
    "# [values.FIELD] turns a surveyed value into one of FIELD's values.",
)


def _field_line(col: ColumnProposal) -> str:
    if col.field and col.unit:
        target = f"{{field = {toml_string(col.field)}, unit = {toml_string(col.unit)}}}"
    else:
        target = toml_string(col.field or "")
    return f"{toml_string(col.column)} = {target}  # {col.why}; confidence {col.confidence:.2f}"


def _value_lines(proposal: MappingProposal, name: str) -> list[str]:
    given = proposal.mapping.values.get(name, {})
    lines = [f"{toml_string(raw)} = {toml_string(value)}" for raw, value in given.items()]
    unmatched = {v.value: v.count for c in proposal.columns if c.field == name
                 for v in c.unmatched if v.value not in given}
    lines += [f"# {toml_string(value)} = \"\"  # {_records(count)}: not one of {name}'s values; "
              "write one in and remove the #" for value, count in unmatched.items()]
    return lines


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _defaults_lines(mapping: MappingFile) -> list[str]:
    lines = ["[defaults]  # FIELD = VALUE for a field the survey has no column for"]
    return lines + [f"{name} = {toml_string(value)}" for name, value in mapping.defaults.items()]


def _coordinates_lines(mapping: MappingFile) -> list[str]:
    xy = mapping.coordinates
    if xy is None:
        return ["# [coordinates]  # positions from two columns, for a table without geometry",
                '# x = "XCOORD"', '# y = "YCOORD"', '# crs = "EPSG:4547"']
    lines = ["[coordinates]", f"x = {toml_string(xy.x)}", f"y = {toml_string(xy.y)}"]
    return lines + ([f"crs = {toml_string(xy.crs)}"] if xy.crs else [])


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's).

    >>> toml_string('埋深"')
    '"埋深\\\\""'
    """
    return json.dumps(text, ensure_ascii=False)
