"""An asset's history: its versions, each with the fields that changed, and its events.

>>> diff({"a": 1, "b": 2}, {"a": 1, "b": 3})
{'b': [2, 3]}
"""
from __future__ import annotations

from typing import Any

#: Bookkeeping columns that change with every version and say nothing by themselves.
_NOT_CHANGES = {"version", "updated_at", "created_at", "retired_at", "geometry"}


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list]:
    """Fields whose value differs between two states, as {field: [before, after]}."""
    before = before or {}
    return {k: [before.get(k), v] for k, v in after.items()
            if k not in _NOT_CHANGES and before.get(k) != v}


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
