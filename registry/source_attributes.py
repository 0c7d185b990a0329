"""Source attributes: every attribute of the survey record an asset came from, kept verbatim.

A survey delivers more than the layer's fields: unknown columns (备注, 施工单位), columns the
mapping did not recognise, and the raw values of the ones it did. All of them are kept with
the asset as one JSON object in the ``source_attributes`` column — the file's column names
as keys, in the file's order, and each value as read, made JSON-safe:

- missing (None, NaN, NaT, pd.NA) → null; ±infinity → the text ``"inf"`` / ``"-inf"``;
- numpy numbers → JSON numbers; booleans stay booleans;
- dates and times → ISO 8601 text (a timestamp column whose every value is at midnight is
  a date column as GDAL reads it: ``2021-03-04``);
- bytes → ``"0x"`` and their hex digits; ``Decimal`` → its exact text; lists stay lists;
  anything else → its ``str``.

The column is text (not jsonb) on both backends, so the key order is what the file had.

>>> import pandas as pd
>>> frame = pd.DataFrame({"备注": ["堵塞", None], "DEPTH": [1.5, float("nan")]})
>>> as_json(frame)
['{"备注":"堵塞","DEPTH":1.5}', '{"备注":null,"DEPTH":null}']
>>> parse(as_json(frame)[0])
{'备注': '堵塞', 'DEPTH': 1.5}
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
import pandas as pd


def jsonable(value: Any) -> Any:
    """One raw value as JSON can hold it (see the module's rules).

    >>> jsonable(np.int64(3)), jsonable(float("inf")), jsonable(b"\\x01\\xff"), jsonable(pd.NaT)
    (3, 'inf', '0x01ff', None)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _number(float(value))
    if isinstance(value, str):
        return value
    return _other(value)


def _number(value: float) -> float | str | None:
    if math.isnan(value):
        return None
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def _other(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "0x" + bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def column_values(column: pd.Series) -> list[Any]:
    """A whole column as JSON-safe Python values, by dtype where one conversion serves all."""
    kind = column.dtype.kind
    if kind == "M":
        return _moments(column)
    if kind == "f":
        values = column.to_numpy(dtype=np.float64)
        if np.isfinite(values).all():
            return values.tolist()
        return [_number(v) for v in values.tolist()]
    if kind in "iub":
        return column.tolist()
    return [jsonable(v) for v in column.astype(object).tolist()]


def _moments(column: pd.Series) -> list[str | None]:
    """Timestamps as ISO text; dates alone when every value is at midnight (a date field)."""
    present = column.notna()
    stamps = column[present]
    if stamps.dt.tz is None and (stamps == stamps.dt.normalize()).all():
        text = stamps.dt.strftime("%Y-%m-%d")
    else:
        text = stamps.map(lambda t: t.isoformat())
    return text.reindex(column.index).astype(object).where(present, None).tolist()


def as_json(frame: pd.DataFrame) -> list[str]:
    """Each row of `frame` as a JSON object text: column names as keys, in column order."""
    names = [str(c) for c in frame.columns]
    columns = [column_values(frame[c]) for c in frame.columns]
    return [orjson.dumps(dict(zip(names, values))).decode()
            for values in zip(*columns)] if names else ["{}"] * len(frame)


def parse(text: str | None) -> dict[str, Any] | None:
    """The stored JSON text as an object (None when the asset has none).

    >>> parse('{"b": 1, "a": 2}')
    {'b': 1, 'a': 2}
    """
    return None if text is None else orjson.loads(text)


def coerce_column(column: pd.Series) -> tuple[pd.Series, list]:
    """Incoming source attributes as stored text: an object is written as JSON, a text must
    already be a JSON object; returns the column and the rows that are neither.

    >>> coerce_column(pd.Series([{"MS": 1.2}, '{"MS":1}', "1.2", None]))[1]
    [2]
    """
    out: list[str | None] = []
    bad: list[Any] = []
    for row, value in zip(column.index, column.astype(object).tolist()):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        elif isinstance(value, dict):
            out.append(orjson.dumps(jsonable(value)).decode())
        elif isinstance(value, str) and _is_object(value):
            out.append(value)
        else:
            out.append(None)
            bad.append(row)
    return pd.Series(out, index=column.index, dtype=object), bad


def _is_object(text: str) -> bool:
    try:
        return isinstance(orjson.loads(text), dict)
    except orjson.JSONDecodeError:
        return False
