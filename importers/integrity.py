"""Text destroyed before delivery: detected per record and flagged, never stored as if fine.

When GBK text passes through a program that decodes it as UTF-8, every byte sequence that is
not UTF-8 becomes U+FFFD (``�``); written back as GBK that reads ``锟斤拷``, and as Latin-1
``ï¿½``. The characters are gone — no decoding brings them back — so the only remedy is the
contractor's original file. (A wrong guess of a file's encoding is another matter:
``importers/encoding.py`` detects that and the text decodes right.)

>>> frame = pd.DataFrame({"道路": ["建设大街", "锟斤拷锟斤拷"], "编号": ["a", "b"]}, index=[1, 2])
>>> destroyed_text(frame)[["row", "field", "value"]].values.tolist()
[[2, '道路', '锟斤拷锟斤拷']]
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from importers.report import combine, no_problems, problem_table

#: What is left of characters lost in a GBK ↔ UTF-8 round trip: U+FFFD itself, its UTF-8
#: bytes read as GBK (锟斤拷, or 锟 then the next character when one stands alone), or as
#: Latin-1 / cp1252 (ï¿½).
DESTROYED = r"\ufffd|锟斤|斤拷|锟[^\u4e00-\u9fff]|锟$|ï¿½|ï¿"
_PATTERN = re.compile(DESTROYED)
REASON = ("text destroyed before delivery (锟斤拷 / � are what is left of characters lost "
          "in a GBK↔UTF-8 round trip): ask the contractor for the original")


def destroyed_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``flagged`` problem for every text cell of `frame` (index = source row) that holds
    destroyed text, naming the column and quoting the value."""
    found = [_column_hits(frame[name], name) for name in _text_columns(frame)]
    return combine(*found) if found else no_problems()


def _text_columns(frame: pd.DataFrame) -> list[str]:
    geometry = getattr(frame, "_geometry_column_name", None)
    return [name for name in frame.columns if name != geometry and not name.startswith("_")
            and (frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]))]


def _column_hits(column: pd.Series, name: str) -> pd.DataFrame:
    # Each distinct value is searched once: survey columns repeat their values a lot. And
    # a clean column — nearly all of them — is one search of all its values joined.
    codes, uniques = pd.factorize(column)
    text = [v for v in np.asarray(uniques, dtype=object) if isinstance(v, str)]
    if not _PATTERN.search("\n".join(text)):
        return no_problems()
    strings = pd.Series(np.asarray(uniques, dtype=object)).where(
        pd.Series([isinstance(v, str) for v in uniques]), None).astype("string")
    bad = strings.str.contains(DESTROYED, regex=True, na=False).to_numpy()
    hit = np.zeros(len(column), dtype=bool)
    hit[codes >= 0] = bad[codes[codes >= 0]]
    rows = column.index[hit]
    return problem_table(rows, name, column[hit].to_numpy(dtype=object),
                         [REASON] * len(rows), "flagged")
