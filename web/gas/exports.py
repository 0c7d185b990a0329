"""Tables of the gas programme as downloads: CSV (UTF-8 with BOM, for Excel) and Excel (.xlsx).

>>> import pandas as pd
>>> table_response(pd.DataFrame({"小区": ["和平小区"]}), "scope", "csv").mimetype
'text/csv'
"""
from __future__ import annotations

import io
import json

import pandas as pd
from flask import Response

from registry.errors import InvalidInput

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def table_response(frame: pd.DataFrame, name: str, fmt: str) -> Response:
    """`frame` as a CSV or Excel download named ``gas-<name>.<fmt>``."""
    if fmt not in MEDIA:
        raise InvalidInput(f"export format must be one of {', '.join(MEDIA)}, got {fmt!r}")
    body = _csv(frame) if fmt == "csv" else _xlsx(frame, name)
    response = Response(body, mimetype=MEDIA[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="gas-{name}.{fmt}"'
    return response


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Dicts and lists (material mix, score terms) as JSON text: one value per cell."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, (dict, list))).any():
            out[column] = out[column].map(lambda v: json.dumps(v, ensure_ascii=False))
    return out


def _csv(frame: pd.DataFrame) -> bytes:
    return _cells(frame).to_csv(index=False).encode("utf-8-sig")


def _xlsx(frame: pd.DataFrame, name: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _cells(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()
