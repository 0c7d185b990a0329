"""Every string of the case pages in Chinese (the default) and English, in one table.

Category names come from ``layers/cases/categories.toml``; state and move labels from
`registry.cases.workflow` (Chinese) and this table (English).

>>> texts("en")["ranking"]
'Monthly ranking'
>>> figure_label("on_time_rate", "zh")
'按期结案率'
"""
from __future__ import annotations

from registry.cases.evaluation import FIGURES
from registry.cases.workflow import DECISIONS, MOVES, STATES
from web.map.i18n import language, say

__all__ = ["texts", "figure_label", "state_label", "move_label", "language", "say"]

UI: dict[str, tuple[str, str]] = {
    "cases": ("案件", "Cases"),
    "case": ("案件", "Case"),
    "ranking": ("月度考评排名", "Monthly ranking"),
    "map": ("地图", "Map"),
    "report": ("上报问题", "Report a problem"),
    "report_hint": ("在地图上点击问题位置", "Click where the problem is"),
    "category": ("类别", "Category"),
    "description": ("描述", "Description"),
    "photo": ("照片", "Photo"),
    "send": ("上报", "Send"),
    "cancel": ("取消", "Cancel"),
    "reported": ("已上报", "Reported"),
    "state": ("状态", "State"),
    "grid": ("责任网格", "Grid"),
    "street": ("街道办事处", "Street office"),
    "department": ("责任部门", "Department"),
    "deadline": ("处置时限", "Deadline"),
    "provisional": ("暂定", "provisional"),
    "provisional_why": ("工作日历尚无以下年份的节假日安排:",
                        "the working calendar has no holiday arrangement yet for"),
    "reported_at": ("上报时间", "Reported"),
    "reporter": ("上报人", "Reporter"),
    "asset": ("关联部件", "Asset"),
    "overdue": ("超期", "Overdue"),
    "overdue_only": ("只看超期", "Overdue only"),
    "any": ("全部", "Any"),
    "filter": ("筛选", "Filter"),
    "history": ("处理过程", "History"),
    "note": ("意见", "Note"),
    "hours": ("延期工作时", "Extra working hours"),
    "month": ("月份", "Month"),
    "by": ("考评对象", "Evaluate by"),
    "by_grid": ("网格", "Grid"),
    "by_street": ("街道", "Street office"),
    "by_department": ("部门", "Department"),
    "show": ("查看", "Show"),
    "print": ("打印", "Print"),
    "download": ("下载", "Download"),
    "rank": ("排名", "Rank"),
    "unit": ("单位", "Unit"),
    "change": ("环比", "vs last month"),
    "no_cases": ("没有案件", "No cases"),
    "nothing_due": ("本月无应结案件", "nothing due this month"),
    "count": ("件", "cases"),
    "language": ("English", "中文"),
    "definitions": ("指标说明", "Definitions"),
    "close": ("关闭", "Close"),
}

#: English labels of the evaluation's figures (the Chinese ones are the registry's).
FIGURES_EN = {
    "accepted": "Accepted", "registered": "Registered", "due": "Due", "closed": "Closed",
    "on_time": "Closed on time", "reworked": "Reworked", "extended": "Extended",
    "closed_rate": "Closure rate", "on_time_rate": "On-time rate", "rework_rate": "Rework rate",
    "extension_rate": "Extension rate",
}
STATES_EN = {
    "reported": "Reported", "registered": "Registered", "dispatched": "Dispatched",
    "handled": "Handled", "verified": "Verified", "closed": "Closed", "suspended": "Suspended",
    "abnormal": "Closed abnormally", "discarded": "Not registered",
}
MOVES_EN = {
    "register": "Register", "discard": "Do not register", "dispatch": "Dispatch",
    "handle": "Handled", "verify": "Verified", "rework": "Rework", "close": "Close",
    "suspend": "Suspend", "resume": "Resume", "extend": "Extend",
    "close_abnormal": "Close abnormally", "approve": "Approve the request",
    "refuse": "Refuse the request",
}


def texts(lang: str) -> dict[str, str]:
    """The UI strings in `lang`."""
    return {key: say(UI, key, lang) for key in UI}


def figure_label(figure: str, lang: str) -> str:
    return FIGURES_EN[figure] if lang == "en" else FIGURES[figure]


def state_label(state: str, lang: str) -> str:
    return STATES_EN[state] if lang == "en" else STATES[state]


def move_label(move: str, lang: str) -> str:
    if lang == "en":
        return MOVES_EN[move]
    return DECISIONS[move] + "申请" if move in DECISIONS else MOVES[move].zh
