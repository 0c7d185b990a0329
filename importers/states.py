"""A survey's status column (状态) read into the component state and the layer's status fields.

The state of a component is what the survey said, never a default: the GB/T 30428 words
(完好 intact, 破损 damaged, 丢失 missing, 占用 occupied, 废弃 abandoned, with the aliases in
``layers/catalogue.toml``) and each layer's own words (``[status.words]`` in its layer file:
a lamp's 不亮 is ``lamp_status = "out"``, 倾斜 a damaged post). No status column, or an empty
cell, leaves the state out, and the registry stores it as unknown (未知). A word the layer
does not know is flagged, the state left unknown.

>>> from registry.layers import load_layers
>>> lamps = load_layers()["lamp_posts"]
>>> source = pd.DataFrame({"状态": ["正常", "不亮", "倾斜", "待查", None]}, index=[1, 2, 3, 4, 5])
>>> found = survey_status(source, lamps, claimed=())
>>> found.column, found.values.to_dict("list")
('状态', {'state': ['intact', None, 'damaged', None, None], 'lamp_status': ['lit', 'out', None, None, None]})
>>> found.flags[["row", "value"]].values.tolist()
[[4, '待查']]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from importers.report import no_problems
from importers.values import NULL_TOKENS, as_objects, problem_rows, text_key
from registry.layers import Layer


@dataclass
class SurveyStatus:
    """What a survey's status column says: one column per target (``state`` and the layer's
    status fields), indexed by source row, and the words it could not read."""

    column: str | None = None
    values: pd.DataFrame = field(default_factory=pd.DataFrame)
    flags: pd.DataFrame = field(default_factory=no_problems)


def status_column(layer: Layer, columns: Iterable[str], claimed: Iterable[str]) -> str | None:
    """The survey column holding status words: the first of the layer's ``[status]`` aliases
    present (ignoring case and spaces) that no field has claimed.

    >>> from registry.layers import load_layers
    >>> status_column(load_layers()["drains"], ["编号", " 状态 "], claimed=["编号"])
    ' 状态 '
    """
    free = {_key(c): c for c in reversed([c for c in columns if c not in set(claimed)])}
    return next((free[_key(a)] for a in layer.status.aliases if _key(a) in free), None)


def survey_status(source: pd.DataFrame, layer: Layer, claimed: Iterable[str]) -> SurveyStatus:
    """Read the status column of `source` (the survey's own columns, index = source row)."""
    column = status_column(layer, source.columns, claimed)
    if column is None:
        return SurveyStatus()
    raw = source[column]
    # Read once per distinct word (a column holds a handful), then spread over the rows.
    codes, uniques = pd.factorize(raw)
    key = text_key(pd.Series(np.asarray(uniques, dtype=object))).to_numpy(dtype=object)
    key = pd.Series(np.append(key, [None])[codes], index=source.index)
    words = {text_key(pd.Series([w])).iloc[0]: means for w, means in layer.status.words.items()}
    targets = sorted({t for means in words.values() for t in means}, key=lambda t: t != "state")
    values = pd.DataFrame({t: as_objects(key.map({k: m.get(t) for k, m in words.items()}))
                           for t in targets}, index=source.index)
    unknown = raw.notna() & ~key.isin(NULL_TOKENS) & ~key.isin(list(words))
    reason = (f"not a status word of layer {layer.name} (column {column}; the words are in "
              "layers/catalogue.toml [states] and the layer's [status.words]): state not "
              "set from it (a new asset's is unknown)")
    reasons = pd.Series(reason, index=raw.index, dtype=object).where(unknown)
    return SurveyStatus(column, values, problem_rows(raw, "state", reasons, "flagged"))


def _key(name: str) -> str:
    return name.strip().casefold()
