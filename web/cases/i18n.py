"""Every string of the case pages in Chinese (the default) and English, in one table.

Category names come from ``layers/cases/categories.toml``; state and move labels from
`registry.cases.workflow` (Chinese) and this table (English).

>>> texts("en")["ranking"]
'Monthly ranking'
>>> figure_label("on_time_rate", "zh")
'按期结案率'
"""
from __future__ import annotations

import re

from registry.cases.evaluation import FIGURES
from registry.cases.workflow import DECISIONS, MOVES, STATES
from web.map.i18n import language, say

__all__ = ["texts", "figure_label", "state_label", "move_label", "limit_words", "language", "say"]

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
    "limit": ("处置时限", "Time limit"),
    "time_left": ("剩余时间", "Time left"),
    "search": ("搜索", "Search"),
    "search_hint": ("案件编号、地点、描述或部件编码", "Case number, place, description or asset code"),
    "sort": ("排序", "Sort by"),
    "page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "export": ("导出当前列表", "Export this list"),
    "near_open": ("附近已有同类案件，是否已有人上报?", "Already reported? Open cases of this kind nearby"),
    "none_near": ("附近没有同类未结案件", "No open case of this kind nearby"),
    "my_reports": ("我的上报", "My reports"),
    "use_location": ("使用我的位置", "Use my location"),
    "locating": ("正在定位…", "Finding you…"),
    "no_location": ("无法获取位置，请在地图上点击问题位置", "No position: tap where the problem is"),
    "move_pin": ("可拖动标记调整位置", "Drag the pin to adjust"),
    "saved_offline": ("没有网络：已保存在本机，联网后自动上报",
                      "No signal: kept on this device, sent when the network returns"),
    "outbox": ("待发送", "Waiting to send"),
    "no_signal_near": ("没有网络，无法查看附近案件", "No signal: nearby cases cannot be checked"),
    "offline_note": ("离线记录于", "recorded offline at"),
    "nobody": ("未登录", "not logged in"),
    "sort_reported_at": ("上报时间", "Reported"), "sort_deadline": ("处置时限", "Deadline"),
    "sort_id": ("案件编号", "Case number"), "sort_state": ("状态", "State"),
    "sort_category": ("类别", "Category"), "sort_grid": ("责任网格", "Grid"),
    "sort_department": ("责任部门", "Department"),
}

#: How a time limit of the categories file reads: 2h → 2小时, 1d → 1个工作日.
LIMIT_UNITS = {"min": ("{n}分钟", "{n} min"), "h": ("{n}小时", "{n} working hours"),
               "d": ("{n}个工作日", "{n} working days")}

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


def limit_words(text: str, lang: str) -> str:
    """A time limit in words: ``2h`` → 2小时, ``1d`` → 1个工作日 (English: 1 working day).

    >>> limit_words("2h", "zh"), limit_words("1d", "zh"), limit_words("1d", "en")
    ('2小时', '1个工作日', '1 working day')
    """
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(min|h|d)", str(text).strip())
    if not found:
        return str(text)
    amount, unit = found.group(1).removesuffix(".0"), found.group(2)
    words = say(LIMIT_UNITS, unit, lang).format(n=amount)
    return words.removesuffix("s") if amount == "1" and lang == "en" else words


def clock_words(clock: str, lang: str) -> str:
    """What follows a time limit on natural time (24 × 7): 1小时（自然时）.

    >>> clock_words("natural", "zh"), clock_words("working", "zh")
    ('（自然时）', '')
    """
    if clock != "natural":
        return ""
    return " (natural time)" if lang == "en" else "（自然时）"
