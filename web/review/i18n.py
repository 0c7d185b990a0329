"""The review page's words, Chinese first.

>>> texts("en")["accept"]
'Accept'
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("导入待审核", "Import review"),
    "language": ("English", "中文"),
    "map_link": ("地图", "Map"),
    "status": ("状态", "Status"),
    "open": ("待审核", "Open"), "accepted": ("已接受", "Accepted"),
    "rejected": ("已拒绝", "Rejected"), "edited": ("已修改", "Edited"), "all": ("全部", "All"),
    "duplicate": ("疑似重复", "Probable duplicate"), "flagged": ("待核字段", "Flagged field"),
    "batch": ("批次", "Batch"), "file": ("文件", "File"), "row": ("行", "Row"),
    "kind": ("类型", "Kind"), "layer": ("图层", "Layer"), "source_id": ("原编号", "Survey id"),
    "field": ("字段", "Field"), "value": ("值", "Value"), "reason": ("原因", "Reason"),
    "accept": ("接受", "Accept"), "reject": ("拒绝", "Reject"), "edit": ("修改", "Edit"),
    "accept_selected": ("接受所选", "Accept selected"),
    "reject_selected": ("拒绝所选", "Reject selected"),
    "select_all": ("全选", "Select all"),
    "edit_hint": ("字段=值，例如 depth_m=1.35", "field=value, e.g. depth_m=1.35"),
    "none": ("没有待审核的记录", "Nothing to review"),
    "count": ("条", "items"),
    "decided": ("已处理", "Decided"),
}


def texts(lang: str) -> dict[str, str]:
    """Every word in one language (``zh`` or ``en``)."""
    column = 0 if lang == "zh" else 1
    return {key: pair[column] for key, pair in WORDS.items()}
