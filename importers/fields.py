"""Which survey column feeds which layer field: aliases from the layer file, then a mapping file.

A survey names its columns however the contractor liked (``井深``, ``DEPTH``, ``Depth ``).
The layer file lists the names each field goes by; a mapping file (``--mapping m.toml``)
covers the rest and may also translate values::

    [fields]
    旧字段 = "material"
    编号 = "source_id"

    [values.material]
    灰铁 = "grey_cast_iron"

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

from registry.errors import InvalidInput
from registry.layers import Layer

SOURCE_ID = "source_id"
#: Columns the reader adds or that carry geometry; never a survey attribute.
RESERVED_COLUMNS = ("_row", "_outside_extent", "geometry")
#: Reader columns that travel on with the mapped fields: the source row and the geometry.
KEPT_COLUMNS = ("_row", "geometry")


@dataclass(frozen=True)
class MappingFile:
    """A user's mapping file: column → field, and per field raw value → layer value."""

    fields: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    path: Path | None = None


@dataclass(frozen=True)
class FieldPlan:
    """How one survey's columns become a layer's fields."""

    columns: dict[str, str]
    unmapped: tuple[str, ...]
    value_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with mapped columns renamed to field names and the others dropped.

        >>> plan = FieldPlan({"DEPTH": "depth_m"}, ("note",))
        >>> list(plan.apply(pd.DataFrame({"DEPTH": [1.2], "note": ["x"]})).columns)
        ['depth_m']
        """
        keep = list(self.columns) + [c for c in KEPT_COLUMNS if c in frame.columns]
        return frame[keep].rename(columns=self.columns)


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
    unknown = set(data) - {"fields", "values"}
    if unknown:
        raise InvalidInput(f"mapping file {path}: unknown tables {sorted(unknown)}; "
                           "expected [fields] and [values.FIELD]")
    return MappingFile(_str_table(path, "fields", data.get("fields", {})),
                       {name: _str_table(path, f"values.{name}", table)
                        for name, table in data.get("values", {}).items()}, path)


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


def _str_table(path: Path, key: str, table: object) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InvalidInput(f"mapping file {path}: [{key}] must map names to quoted text")
    return {str(k): v for k, v in table.items()}


def map_fields(layer: Layer, columns: Iterable[str],
               mapping: MappingFile | None = None) -> FieldPlan:
    """Match survey columns to the layer's fields and its source id.

    The mapping file wins; then a column named exactly like a field; then the fields'
    aliases and the layer's source-id aliases, ignoring case and surrounding spaces, in
    the order the layer file lists them.
    """
    mapping = mapping or MappingFile()
    available = [c for c in columns if c not in RESERVED_COLUMNS]
    targets = _targets(layer)
    claimed = _claim_from_mapping(layer, available, mapping, targets)
    for name, aliases in targets.items():
        if name not in claimed.values():
            column = _find_column(name, aliases, [c for c in available if c not in claimed])
            if column is not None:
                claimed[column] = name
    unmapped = tuple(c for c in available if c not in claimed)
    return FieldPlan(claimed, unmapped, _value_maps(layer, mapping))


def _targets(layer: Layer) -> dict[str, tuple[str, ...]]:
    """Every field a survey may fill, with the names it goes by; derived fields are computed."""
    targets = {f.name: f.aliases for f in layer.fields if not f.derived}
    targets[SOURCE_ID] = layer.source_id_aliases
    return targets


def _claim_from_mapping(layer: Layer, available: list[str], mapping: MappingFile,
                        targets: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    claimed: dict[str, str] = {}
    for raw, name in mapping.fields.items():
        if name not in targets:
            raise InvalidInput(f"mapping file {mapping.path}: [fields] {raw} = {name!r}: "
                               f"layer {layer.name} has no such field; "
                               f"fields: {', '.join(targets)}")
        column = _find_column(raw, (), available)
        if column is None:
            raise InvalidInput(f"mapping file {mapping.path}: [fields] names column {raw!r}, "
                               f"which the survey does not have; columns: {', '.join(available)}")
        claimed[column] = name
    return claimed


def _find_column(name: str, aliases: Iterable[str], columns: list[str]) -> str | None:
    if name in columns:
        return name
    by_key = {}
    for column in reversed(columns):  # reversed: the first of equal keys wins
        by_key[_key(column)] = column
    for candidate in (name, *aliases):
        if _key(candidate) in by_key:
            return by_key[_key(candidate)]
    return None


def _key(name: str) -> str:
    return name.strip().casefold()


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
