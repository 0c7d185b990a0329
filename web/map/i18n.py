"""Every string the map shows, in Chinese (the default) and English, in one table.

Layer, field and value names come from the layer files; this table holds the rest.

>>> texts("en")["search"]
'Search'
>>> language({"lang": "fr"})
'zh'
"""
from __future__ import annotations

from typing import Mapping

from registry.layers import Field

LANGUAGES = ("zh", "en")

UI: dict[str, tuple[str, str]] = {
    "title": ("城市部件普查 · 地图", "Infrastructure census · map"),
    "layers": ("图层", "Layers"),
    "tools": ("搜索 · 图层 · 筛选", "Search · layers · filters"),
    "legend": ("图例", "Legend"),
    "search": ("搜索", "Search"),
    "search_hint": ("部件编码、原编号、道路或小区名称", "GB/T code, survey id, road or courtyard"),
    "no_results": ("无结果", "No results"),
    "filters": ("筛选", "Filters"),
    "filter_layer": ("筛选图层", "Layer to filter"),
    "condition": ("状况", "Condition"),
    "condition_any": ("全部", "Any"),
    "condition_at_least": ("不低于", "at least"),
    "material": ("材质", "Material"),
    "any": ("全部", "Any"),
    "built_before": ("建设年份早于", "Built before"),
    "grid": ("责任网格", "Grid"),
    "apply": ("应用", "Apply"),
    "clear": ("清除", "Clear"),
    "select": ("选择", "Select"),
    "select_box": ("框选", "Box"),
    "select_polygon": ("多边形", "Polygon"),
    "select_buffer": ("沿线缓冲", "Along a line"),
    "select_grid": ("按网格", "By grid"),
    "buffer_m": ("缓冲距离 (m)", "Buffer (m)"),
    "draw_hint": ("单击地图绘制，双击结束", "Click to draw, double-click to finish"),
    "selected": ("已选", "Selected"),
    "total_length": ("总长度", "Total length"),
    "export": ("导出", "Export"),
    "attributes": ("属性", "Attributes"),
    "gbt_code": ("部件编码", "GB/T code"),
    "source_id": ("原编号", "Survey id"),
    "source_attributes": ("原始属性", "As surveyed"),
    "grid_code": ("责任网格", "Grid"),
    "state": ("部件状态", "State"),
    "history": ("历史", "History"),
    "source_attributes": ("原始属性 Source attributes", "原始属性 Source attributes"),
    "version": ("版本", "Version"),
    "event": ("维护记录", "Maintenance"),
    "close": ("关闭", "Close"),
    "assets": ("个", "assets"),
    "km": ("公里", "km"),
    "language": ("English", "中文"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}

#: What a version row's ``kind`` means to a reader.
VERSION_KINDS: dict[str, tuple[str, str]] = {
    "add": ("登记", "registered"),
    "update": ("修改", "changed"),
    "retire": ("注销", "retired"),
}


def texts(lang: str) -> dict[str, str]:
    """The UI strings in `lang`."""
    column = LANGUAGES.index(lang)
    return {key: pair[column] for key, pair in UI.items()}


def say(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    """One entry of a two-language table; unknown keys read as themselves."""
    pair = table.get(key)
    return pair[LANGUAGES.index(lang)] if pair else key


def language(args: Mapping[str, str]) -> str:
    """The language a request asks for with ``?lang=``, Chinese unless it asks for English."""
    lang = args.get("lang", "zh")
    return lang if lang in LANGUAGES else "zh"


def value_label(field: Field, value: str, lang: str) -> str:
    """How a user reads a stored value: ``grey_cast_iron`` → 灰口铸铁 / Grey cast iron.

    The first Chinese spelling a layer file lists for a value is its Chinese label; in
    English an alias spelling the value itself keeps its case (``pe`` → PE).
    """
    spellings = [s for s, v in field.value_aliases.items() if v == value]
    if lang == "zh":
        chinese = next((s for s in spellings if not s.isascii()), None)
        if chinese:
            return chinese
    words = value.replace("_", " ")
    return next((s for s in spellings if s.lower() == words.lower()), words.capitalize())
