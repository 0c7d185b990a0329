"""An asset's history: its versions, each with the fields that changed, and its events.

>>> diff({"a": 1, "b": 2}, {"a": 1, "b": 3})
{'b': [2, 3]}
"""
from __future__ import annotations

from typing import Any

from registry.layers import SOURCE_ATTRIBUTES
from registry.source_attributes import parse

#: Bookkeeping columns that change with every version and say nothing by themselves.
_NOT_CHANGES = {"version", "updated_at", "created_at", "retired_at", "geometry"}


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list]:
    """Fields whose value differs between two states, as {field: [before, after]}; a change
    of the source attributes is told per source column, as ``source_attributes.备注``.

    >>> diff({"source_attributes": '{"备注": "松动", "MS": 1}'},
    ...      {"source_attributes": '{"备注": "已修", "MS": 1}'})
    {'source_attributes.备注': ['松动', '已修']}
    """
    before = before or {}
    changes = {k: [before.get(k), v] for k, v in after.items()
               if k not in _NOT_CHANGES and before.get(k) != v}
    if SOURCE_ATTRIBUTES in changes:
        changes |= _source_changes(*changes.pop(SOURCE_ATTRIBUTES))
    return changes


def _source_changes(before: str | None, after: str | None) -> dict[str, list]:
    old, new = parse(before) or {}, parse(after) or {}
    return {f"{SOURCE_ATTRIBUTES}.{k}": [old.get(k), new.get(k)]
            for k in [*new, *(k for k in old if k not in new)] if old.get(k) != new.get(k)}


def timeline(versions: list[dict[str, Any]], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Versions oldest first, each with its full state and the changes it made."""
    out, previous, previous_geom = [], None, None
    for v in versions:
        state = v["attributes"] if v["attributes"] is not None else current["properties"]
        geometry = v["geometry"] if v["attributes"] is not None else current["geometry"]
        changes = {} if v["kind"] in ("add", "retire") else diff(previous, state)
        if previous_geom is not None and geometry is not None and \
                not geometry.equals(previous_geom):
            changes["geometry"] = ["moved", "moved"]
        out.append({k: v[k] for k in ("version", "kind", "valid_from", "valid_to", "who",
                                      "why", "source", "ref")} | {"changes": changes,
                                                                  "state": state})
        previous, previous_geom = state, geometry
    return out
