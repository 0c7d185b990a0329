"""What an import leaves for people to review (`registry.review`): probable duplicates it
held, kept whole so that accepting one inserts what the survey said, and the fields it
flagged on the assets it wrote.

``--accept-duplicates`` takes every probable duplicate, or only the rows named
(``--accept-duplicates 12,40``); the others are held for review.

>>> import pandas as pd
>>> dups = pd.DataFrame({"row": [3, 7], "field": ["geometry"] * 2})
>>> accepted_duplicates(dups, [7]).tolist(), accepted_duplicates(dups, True).tolist()
([7], [3, 7])
"""
from __future__ import annotations

from typing import Any, Collection, Mapping

import pandas as pd

from registry.errors import InvalidInput
from registry.review import DUPLICATE, FLAGGED, geometry_json

#: The problem action (`importers.report`) of a value kept raw with its field left empty.
FLAGGED_ACTION = "flagged"
AcceptDuplicates = bool | Collection[int]


def accepted_duplicates(duplicates: pd.DataFrame, accept: AcceptDuplicates) -> pd.Index:
    """The rows of probable duplicates to insert: all (True), none (False) or those named;
    InvalidInput naming a row that is not a probable duplicate of this import."""
    rows = pd.Index(duplicates["row"]).unique()
    if isinstance(accept, bool):
        return rows if accept else rows[:0]
    named = pd.Index(sorted({int(r) for r in accept}))
    stray = named.difference(rows)
    if len(stray):
        listed = ", ".join(map(str, rows[:20])) or "none"
        raise InvalidInput(f"--accept-duplicates: row {stray[0]} is not a probable duplicate "
                           f"of this import (those are: {listed})")
    return named


def review_items(records: pd.DataFrame, duplicates: pd.DataFrame, problems: pd.DataFrame,
                 accepted: pd.Index, written: Mapping[Any, str]) -> list[dict[str, Any]]:
    """The items to hold: each probable duplicate not accepted, with its checked record
    (`records`, by source row), and each flagged field of an asset `written` (row → uuid)."""
    held = duplicates[~duplicates["row"].isin(accepted)]
    out = [_duplicate(records, p) for p in held.to_dict("records")]
    flagged = problems[(problems["action"] == FLAGGED_ACTION)
                       & problems["row"].isin(list(written))]
    out += [_flagged(records, p, written[p["row"]]) for p in flagged.to_dict("records")]
    return sorted(out, key=lambda item: (item["row"], item["kind"], item["field"] or ""))


def _duplicate(records: pd.DataFrame, problem: dict) -> dict[str, Any]:
    row = records.loc[problem["row"]]
    record = {k: _plain(v) for k, v in row.items() if k != records.geometry.name}
    return {**_base(problem, DUPLICATE, records), "record": record}


def _flagged(records: pd.DataFrame, problem: dict, uuid: str) -> dict[str, Any]:
    return {**_base(problem, FLAGGED, records), "asset": uuid, "record": {}}


def _base(problem: dict, kind: str, records: pd.DataFrame) -> dict[str, Any]:
    row = records.loc[problem["row"]]
    return {"row": int(problem["row"]), "kind": kind, "field": problem["field"],
            "value": _plain(problem["value"]), "reason": problem["reason"],
            "source_id": _plain(row.get("source_id")), "asset": None,
            "geometry": geometry_json(row[records.geometry.name])}


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
