"""The monthly ranking and the case list as tables people read: labelled columns, CSV and
Excel files that open right (`web.exports`: UTF-8 BOM, codes as text, formulas neutralised,
times in Beijing time).

Used by the ranking page, its downloads, the case list's export and ``infracensus ranking -o``.

>>> import pandas as pd
>>> table = ranking_table(pd.DataFrame(columns=["unit", "name", "rank"]), "grid", "zh")
>>> list(table.columns)[:3]
['排名', '责任网格', '名称']
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from registry.cases.evaluation import FIGURES, RATES
from registry.errors import InvalidInput
from web import exports
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
        return exports.csv_bytes(table)
    return exports.xlsx_bytes(table, title)


#: The case list's columns, in reading order: key of `case_json` → (中文, English).
CASE_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("案件编号", "Case number"), "category_label": ("类别", "Category"),
    "state_label": ("状态", "State"), "overdue": ("超期", "Overdue"),
    "grid_code": ("网格编码", "Grid code"), "grid_name": ("责任网格", "Grid"),
    "street_office": ("街道办事处", "Street office"), "department": ("责任部门", "Department"),
    "reporter": ("上报人", "Reporter"), "reported_at": ("上报时间 (北京时间)", "Reported (Beijing time)"),
    "deadline": ("处置时限 (北京时间)", "Deadline (Beijing time)"), "limit": ("时限", "Time limit"),
    "asset_label": ("关联部件", "Asset"), "lon": ("经度", "Longitude"), "lat": ("纬度", "Latitude"),
    "description": ("描述", "Description"),
}
CASE_TIMES = ("reported_at", "deadline")


def case_table(rows: Sequence[dict[str, Any]], lang: str) -> pd.DataFrame:
    """Cases as `case_json` gives them, as the list's export: labelled, times local.

    >>> case_table([{"id": "202612090001", "overdue": True, "reported_at": "2026-12-09T02:00:00Z"}], "zh").iloc[0].dropna().to_dict()
    {'案件编号': '202612090001', '超期': '是', '上报时间 (北京时间)': '2026-12-09 10:00'}
    """
    table = pd.DataFrame([{key: row.get(key) for key in CASE_COLUMNS} for row in rows],
                         columns=list(CASE_COLUMNS))
    for column in CASE_TIMES:
        table[column] = exports.local_times(table[column])
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    table["overdue"] = table["overdue"].map(lambda v: None if v is None else yes if v else no)
    return table.rename(columns={k: say(CASE_COLUMNS, k, lang) for k in CASE_COLUMNS})
