"""The monthly ranking as a table people read: labelled columns, CSV and Excel files.

Used by the ranking page, its downloads and ``infracensus ranking -o``. CSV carries a UTF-8
BOM so Excel opens the Chinese text correctly.

>>> import pandas as pd
>>> table = ranking_table(pd.DataFrame(columns=["unit", "name", "rank"]), "grid", "zh")
>>> list(table.columns)[:3]
['排名', '责任网格', '名称']
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from registry.cases.evaluation import FIGURES, RATES
from registry.errors import InvalidInput
from web.cases.i18n import UI, figure_label, say

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def ranking_columns(by: str, lang: str) -> dict[str, str]:
    """The ranking's columns in reading order, each with its label in `lang`."""
    labels = {"rank": say(UI, "rank", lang), "unit": say(UI, by, lang)}
    if by == "grid":  # only a grid has a name besides its code
        labels["name"] = "名称" if lang == "zh" else "Name"
    labels |= {figure: figure_label(figure, lang) for figure in FIGURES}
    change = say(UI, "change", lang)
    labels |= {f"{rate}_change": f"{figure_label(rate, lang)} {change}" for rate in RATES}
    labels["rank_change"] = f"{say(UI, 'rank', lang)} {change}"
    return labels


def ranking_table(table: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    """The ranking with its columns in reading order, labelled in `lang`."""
    labels = ranking_columns(by, lang)
    return table[[c for c in labels if c in table]].rename(columns=labels)


def fmt_for(path: str | Path) -> str:
    """csv or xlsx, from a file name; InvalidInput for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"{path}: the ranking is written as .csv or .xlsx, not {suffix!r}")
    return FORMATS[suffix]


def to_bytes(table: pd.DataFrame, fmt: str, title: str) -> bytes:
    """The table as a CSV (UTF-8 with BOM) or an Excel workbook with one sheet `title`."""
    if fmt == "csv":
        return table.to_csv(index=False).encode("utf-8-sig")
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as book:
        table.to_excel(book, sheet_name=title[:31], index=False)
    return out.getvalue()
