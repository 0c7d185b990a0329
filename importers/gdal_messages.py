"""GDAL's messages while a file is read, attributed to their rows and summarised.

GDAL reports per record ("Value '3x5' of field d.N parsed incompletely to real 3.") but
says neither which record nor anything to the caller beyond a warning. The reader finds
each message's rows (see `importers.vectors.attribute_messages`); this module turns them
into one line per kind of message, and puts back the text GDAL cut a number from, so a
truncated number is never stored as if the survey said it.

>>> summarise({3: ["Non closed ring detected"], 9: ["Non closed ring detected"]}, [])
['GDAL: 2 records: Non closed ring detected (rows 3, 9)']
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

import pandas as pd

#: Rows named in one summary line before "…".
SHOWN_ROWS = 10
#: GDAL's words when it reads a number from text that is not all number.
INCOMPLETE = re.compile(r"^Value '(?P<value>.*)' of field (?P<field>.+?) parsed incompletely "
                        r"to (?:real|integer|integer64) (?P<result>\S+?)\.?$")
QUOTED = re.compile(r"'[^']*'")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w)")


def template(message: str) -> str:
    """A message with its values blanked, so messages of one kind group together.

    >>> template("Value '3x5' of field d.N parsed incompletely to real 3.")
    "Value '…' of field d.N parsed incompletely to real …."
    """
    return NUMBER.sub("…", QUOTED.sub("'…'", message))


def summarise(by_row: dict[int, list[str]], unattributed: list[str]) -> list[str]:
    """One line per kind of message with its record count and rows; then the rest, counted."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in sorted(by_row):
        for message in dict.fromkeys(by_row[row]):
            groups[template(message)].append((row, message))
    lines = [_line(kind, found) for kind, found in groups.items()]
    counted = Counter(unattributed)
    return lines + [f"GDAL: {m}" + (f" (×{n})" if n > 1 else "") for m, n in counted.items()]


def _line(kind: str, found: list[tuple[int, str]]) -> str:
    rows = sorted({row for row, _ in found})
    texts = list(dict.fromkeys(message for _, message in found))
    shown = ", ".join(map(str, rows[:SHOWN_ROWS])) + (" …" if len(rows) > SHOWN_ROWS else "")
    label = "row" if len(rows) == 1 else "rows"
    said = texts[0] if len(texts) == 1 else f"{kind} ({len(texts)} values; first: {texts[0]})"
    if INCOMPLETE.match(texts[0]):
        said += "; the number GDAL read is not used, the text is kept"
    count = f"{len(rows)} record{'s' if len(rows) != 1 else ''}"
    return f"GDAL: {count}: {said} ({label} {shown})"


def restore_incomplete(attributes: pd.DataFrame, by_row: dict[int, list[str]]) -> pd.DataFrame:
    """The attributes with the text GDAL cut a number from put back in place of that number.

    ``attributes`` is indexed by position (row − 1), ``by_row`` keyed by row.

    >>> frame = pd.DataFrame({"_row": [1, 2], "N": [1.5, 3.0]})
    >>> restore_incomplete(frame, {2: ["Value '3x5' of field d.N parsed incompletely to real 3."]})["N"].tolist()
    [1.5, '3x5']
    """
    out = attributes
    for row, messages in by_row.items():
        for message in messages:
            match = INCOMPLETE.match(message)
            column = match and _column(out, match["field"])
            if column is None or not match:
                continue
            if out is attributes:
                out = attributes.copy()
            if out[column].dtype != object:
                out[column] = out[column].astype(object)
            out.iat[row - 1, out.columns.get_loc(column)] = match["value"].strip()
    return out


def _column(attributes: pd.DataFrame, field: str) -> str | None:
    """The column GDAL names as ``layer.field`` (or just ``field``)."""
    for name in (field, field.rsplit(".", 1)[-1]):
        if name in attributes.columns:
            return name
    return None
