"""Which survey column feeds which layer field: the mapping file, then names and values.

A survey names its columns however the contractor liked (``井深``, ``DEPTH``, ``MS``,
``埋深(英尺)``). The layer file lists the names each field goes by; pinyin-initial codes and
unit-suffixed headers are recognised from them (`importers.column_names`), and every guess
is checked against the column's values (`importers.column_match`). A mapping file
(``--mapping m.toml``, written by ``infracensus import --plan``) has the last word::

    [fields]
    旧字段 = "material"
    编号 = "source_id"
    DEPTH = {field = "depth_m", unit = "ft"}   # plain numbers in the column are feet
    备注 = ""                                  # leave this column unmapped

    [values.material]
    灰铁 = "grey_cast_iron"

    [defaults]                                # for fields the survey has no column for
    bridge_type = "river"

    [coordinates]                             # point positions from two columns
    x = "XCOORD"
    y = "YCOORD"
    crs = "EPSG:4547"                         # optional

>>> from registry.layers import load_layers
>>> plan = map_fields(load_layers()["drains"], ["井深", "编号", "备注"])
>>> plan.columns, plan.unmapped
({'井深': 'depth_m', '编号': 'source_id'}, ('备注',))
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from importers.column_match import Candidate, Decision, decide, find_column, mapping_candidate
from importers.column_names import SOURCE_ID
from importers.report import combine, problem_table
from importers.value_fit import same_unit, with_unit
from importers.values import parse_column
from registry.errors import InvalidInput
from registry.layers import Field, Layer

#: Columns the reader adds or that carry geometry; never a survey attribute.
RESERVED_COLUMNS = ("_row", "_outside_extent", "geometry")
#: Reader columns that travel on with the mapped fields: the source row and the geometry.
KEPT_COLUMNS = ("_row", "geometry")


@dataclass(frozen=True)
class Coordinates:
    """The mapping file's ``[coordinates]``: the x and y columns and, optionally, their CRS."""

    x: str
    y: str
    crs: str | None = None

    @property
    def xy(self) -> tuple[str, str]:
        return self.x, self.y


@dataclass(frozen=True)
class MappingFile:
    """A user's mapping file: column → field (and unit), per field raw value → layer value,
    defaults for fields the survey lacks, and the coordinate columns."""

    fields: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    path: Path | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    coordinates: Coordinates | None = None


@dataclass(frozen=True)
class FieldPlan:
    """How one survey's columns become a layer's fields.

    ``units`` names the unit a column's header (or the mapping file) gives its plain
    numbers; ``defaults`` fills fields no column feeds; ``decisions`` says for every
    column what it feeds and why, for the plan and the report.
    """

    columns: dict[str, str]
    unmapped: tuple[str, ...]
    value_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    decisions: tuple[Decision, ...] = ()
    notes: tuple[str, ...] = ()

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with mapped columns renamed to field names and the others dropped;
        header units written onto plain numbers, defaults filled in.

        >>> plan = FieldPlan({"DEPTH_FT": "depth_m"}, ("note",), units={"DEPTH_FT": "ft"},
        ...                  defaults={"material": "砖砌"})
        >>> plan.apply(pd.DataFrame({"DEPTH_FT": [16], "note": ["x"]})).to_dict("records")
        [{'depth_m': '16 ft', 'material': '砖砌'}]
        """
        keep = list(self.columns) + [c for c in KEPT_COLUMNS if c in frame.columns]
        out = frame[keep].rename(columns=self.columns)
        for column, unit in self.units.items():
            out[self.columns[column]] = with_unit(frame[column], unit)
        for name, value in self.defaults.items():
            out[name] = value
        return out

    def defaulted(self, rows: pd.Index) -> pd.DataFrame:
        """A problem row per record and defaulted field, so the report names each one."""
        return combine(*(problem_table(rows, name, [value] * len(rows),
                                       [f"from the mapping file's [defaults]: the survey has "
                                        f"no {name} column"] * len(rows), "corrected")
                         for name, value in self.defaults.items()))


def read_mapping(path: Path | str) -> MappingFile:
    """Read a mapping file, refusing one that is not TOML or has the wrong shape.

    >>> read_mapping("missing.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInput: mapping file missing.toml: cannot read it (No such file ...)
    """
    path = Path(path)
    try:
        data = tomllib.loads(_quote_bare_keys(path.read_text(encoding="utf-8-sig")))
    except OSError as exc:
        raise InvalidInput(f"mapping file {path}: cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"mapping file {path}: not valid UTF-8 TOML ({exc})") from None
    unknown = set(data) - set(MAPPING_TABLES)
    if unknown:
        raise InvalidInput(f"mapping file {path}: unknown tables {sorted(unknown)}; "
                           f"expected {', '.join(MAPPING_TABLES.values())}")
    fields, units = _field_table(path, data.get("fields", {}))
    return MappingFile(fields, {name: _str_table(path, f"values.{name}", table)
                                for name, table in _table(path, "values", data).items()},
                       path, units, _defaults(path, _table(path, "defaults", data)),
                       _coordinates(path, data.get("coordinates")))


#: The tables a mapping file may hold, as its error messages name them.
MAPPING_TABLES = {"fields": "[fields]", "values": "[values.FIELD]", "defaults": "[defaults]",
                  "coordinates": "[coordinates]"}


#: A key that TOML 1.0 would refuse unquoted: ``旧字段 = "material"`` is what people write.
_BARE_KEY = re.compile(r"^(\s*)([^\s\"'#\[=][^\"'#\[=]*?)(\s*=)", re.MULTILINE)


def _quote_bare_keys(text: str) -> str:
    r"""Quote non-ASCII bare keys, so Chinese column names need no quotes in a mapping file.

    >>> _quote_bare_keys('灰铁 = "grey_cast_iron"\nDN = "diameter_mm"')
    '"灰铁" = "grey_cast_iron"\nDN = "diameter_mm"'
    """
    def quote(m: re.Match) -> str:
        key = m.group(2)
        return m.group(0) if key.isascii() else f'{m.group(1)}"{key}"{m.group(3)}'
    return _BARE_KEY.sub(quote, text)


def _table(path: Path, key: str, data: dict) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise InvalidInput(f"mapping file {path}: {MAPPING_TABLES[key]} must be a table")
    return table


def _str_table(path: Path, key: str, table: object) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InvalidInput(f"mapping file {path}: [{key}] must map names to quoted text")
    return {str(k): v for k, v in table.items()}


def _field_table(path: Path, table: object) -> tuple[dict[str, str], dict[str, str]]:
    """``[fields]``: column → field, or column → ``{field = "...", unit = "..."}``."""
    if not isinstance(table, dict):
        raise InvalidInput(f"mapping file {path}: [fields] must be a table")
    fields, units = {}, {}
    for column, target in table.items():
        if isinstance(target, dict):
            if set(target) - {"field", "unit"} or not all(
                    isinstance(target.get(k, ""), str) for k in ("field", "unit")):
                raise InvalidInput(f"mapping file {path}: [fields] {column}: write "
                                   '{field = "FIELD", unit = "UNIT"}')
            if target.get("unit"):
                units[str(column)] = target["unit"]
            target = target.get("field", "")
        if not isinstance(target, str):
            raise InvalidInput(f"mapping file {path}: [fields] must map names to quoted text")
        fields[str(column)] = target
    return fields, units


def _defaults(path: Path, table: dict) -> dict[str, str]:
    if not all(isinstance(v, (str, int, float, bool)) for v in table.values()):
        raise InvalidInput(f"mapping file {path}: [defaults] must map fields to one value each")
    return {str(k): str(v) for k, v in table.items()}


def _coordinates(path: Path, table: object) -> Coordinates | None:
    if table is None:
        return None
    given = table if isinstance(table, dict) else {}
    ok = given and not set(given) - {"x", "y", "crs"} and all(
        isinstance(given.get(k), str) and given[k] for k in ("x", "y"))
    if not ok or not isinstance(given.get("crs", ""), (str, int)):
        raise InvalidInput(f"mapping file {path}: [coordinates] needs x = \"COLUMN\" and "
                           'y = "COLUMN", and may give crs = "EPSG:CODE"')
    crs = given.get("crs")
    return Coordinates(given["x"], given["y"], None if crs is None else str(crs))


def map_fields(layer: Layer, survey: pd.DataFrame | Iterable[str],
               mapping: MappingFile | None = None) -> FieldPlan:
    """Match survey columns to the layer's fields and its source id.

    The mapping file wins; the other columns are matched by name (field name, Chinese
    name, alias, pinyin initials, each also with a unit suffix), and, given the survey's
    frame rather than its column names, every guess is checked against the values.
    """
    mapping = mapping or MappingFile()
    columns = list(survey.columns if isinstance(survey, pd.DataFrame) else survey)
    available = [c for c in columns if c not in RESERVED_COLUMNS]
    value_maps = _value_maps(layer, mapping)
    fixed = _claim_from_mapping(layer, available, mapping)
    frame = survey if isinstance(survey, pd.DataFrame) else None
    decisions = decide(layer, available, frame, fixed, value_maps)
    claimed = {d.column: d.field for d in decisions if d.field}
    defaults, notes = _usable_defaults(layer, mapping, set(claimed.values()))
    units = {d.column: d.unit for d in decisions if d.unit and not _same_unit(layer, d)}
    notes += [f"单位 Unit: {column} gives its plain numbers in {unit}; converted to "
              f"{layer.field(claimed[column]).unit}" for column, unit in units.items()]
    notes += [f"未采用 Not applied: {d.column}: {d.note}" for d in decisions
              if d.field is None and d.candidates]
    return FieldPlan(claimed, tuple(d.column for d in decisions if not d.field), value_maps,
                     units, defaults, tuple(decisions), tuple(notes))


def _same_unit(layer: Layer, decision: Decision) -> bool:
    name = decision.field
    return name is None or name == SOURCE_ID or same_unit(decision.unit or "",
                                                          layer.field(name).unit)


def _claim_from_mapping(layer: Layer, available: list[str], mapping: MappingFile
                        ) -> dict[str, Candidate | None]:
    targets = [*(f.name for f in layer.fields if not f.derived), SOURCE_ID]
    claimed: dict[str, Candidate | None] = {}
    for raw, name in mapping.fields.items():
        if name and name not in targets:
            raise InvalidInput(f"mapping file {mapping.path}: [fields] {raw} = {name!r}: "
                               f"layer {layer.name} has no such field; "
                               f"fields: {', '.join(targets)}")
        column = find_column(raw, available)
        if column is None:
            raise InvalidInput(f"mapping file {mapping.path}: [fields] names column {raw!r}, "
                               f"which the survey does not have; columns: {', '.join(available)}")
        claimed[column] = mapping_candidate(layer, column, name, mapping.units.get(raw),
                                            f"mapping file {mapping.path}: [fields] {raw}") \
            if name else None
    return claimed


def _usable_defaults(layer: Layer, mapping: MappingFile, fed: set[str]
                     ) -> tuple[dict[str, str], list[str]]:
    """The defaults to fill in, refusing a bad one; a default never replaces a column."""
    usable, notes = {}, []
    for name, value in mapping.defaults.items():
        where = f"mapping file {mapping.path}: [defaults] {name} = {value!r}"
        fld = _default_field(layer, name, where)
        failed = parse_column(pd.Series([value]), fld, mapping.values.get(name)).failed.iloc[0]
        if failed is not None:
            raise InvalidInput(f"{where}: {failed}")
        if name in fed:
            notes.append(f"默认值 Default not used: {name} = {value!r}: the survey has a "
                         "column for it, and a default never replaces what a survey says")
        else:
            usable[name] = value
            notes.append(f"默认值 Default: {name} = {value!r} on every record "
                         "(the survey has no column for it)")
    return usable, notes


def _default_field(layer: Layer, name: str, where: str) -> Field:
    fld = next((f for f in layer.fields if f.name == name and not f.derived), None)
    if fld is None:
        raise InvalidInput(f"{where}: layer {layer.name} has no such field; fields: "
                           f"{', '.join(f.name for f in layer.fields if not f.derived)}")
    return fld


def _value_maps(layer: Layer, mapping: MappingFile) -> dict[str, dict[str, str]]:
    for name, table in mapping.values.items():
        if name not in layer.field_names:
            raise InvalidInput(f"mapping file {mapping.path}: [values.{name}]: "
                               f"layer {layer.name} has no field {name!r}")
        allowed = layer.field(name).values
        wrong = sorted(set(table.values()) - set(allowed or table.values()))
        if wrong:
            raise InvalidInput(f"mapping file {mapping.path}: [values.{name}] maps to {wrong}, "
                               f"not among {name}'s values: {', '.join(allowed or ())}")
    return {name: dict(table) for name, table in mapping.values.items()}
