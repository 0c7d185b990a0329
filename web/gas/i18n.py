"""Every string the gas dashboard shows, in Chinese (the default) and English.

>>> texts("en")["title"]
'Courtyard gas programme'
"""
from __future__ import annotations

UI: dict[str, tuple[str, str]] = {
    "title": ("庭院燃气管道改造 · 自闭阀", "Courtyard gas programme"),
    "language": ("English", "中文"),
    "map_link": ("地图", "Map"),
    "year": ("年度", "Year"),
    "km_total": ("管道总长 (公里)", "Mains (km)"),
    "km_in_scope": ("纳入改造 (公里)", "In scope (km)"),
    "km_done": ("已改造 (公里)", "Renovated (km)"),
    "courtyards": ("涉及小区", "Courtyards in scope"),
    "valves_verified": ("已验收自闭阀", "Valves verified"),
    "valves_installed": ("已安装待验收", "Installed, awaiting verification"),
    "no_target": ("本年度未设定目标", "no target set for this year"),
    "valves_needed": ("应装自闭阀 (户)", "Valves needed (households)"),
    "faults": ("拓扑问题", "Topology faults"),
    "problems": ("待核实管段", "Mains to check"),
    "progress": ("年度目标完成情况", "Progress against the year's targets"),
    "mains": ("管道改造", "Mains renovated"),
    "valves": ("自闭阀（已验收）", "Valves verified"),
    "target": ("目标", "target"),
    "risk": ("小区风险评分 (前十)", "Courtyard risk score (top ten)"),
    "materials": ("纳入改造管道材质 (公里)", "Mains in scope by material (km)"),
    "valves_by_district": ("各区自闭阀安装状态", "Safety valves by district"),
    "map": ("小区改造状态", "Courtyards by state"),
    "done": ("已完成", "Done"),
    "in_progress": ("改造中", "In progress"),
    "pending": ("待改造", "Pending"),
    "planned": ("计划", "Planned"),
    "installed": ("已安装", "Installed"),
    "verified": ("已验收", "Verified"),
    "trace": ("关阀分析", "Isolation trace"),
    "trace_hint": ("单击地图上的管道，查看需关闭的阀门和停气范围",
                   "Click a main on the map: valves to close and who loses gas"),
    "trace_result": ("需关阀门 {valves} 个，停气管道 {length} 米，停气 {households} 户",
                     "Close {valves} valve(s): {length} m of mains and {households} households "
                     "lose gas"),
    "trace_miss": ("此处没有管道，请单击一条管道", "No main here: click on a main"),
    "main": ("燃气管道", "Gas main"),
    "trace_download": ("下载 GeoJSON (施工班组)", "Download GeoJSON for the crew"),
    "exports": ("导出", "Exports"),
    "export_scope": ("改造范围与评分", "Scope and scores"),
    "export_problems": ("待核实管段", "Mains to check"),
    "export_valves": ("自闭阀 (按楼栋)", "Valves by building"),
    "export_faults": ("拓扑问题", "Topology faults"),
    "courtyard": ("小区", "Courtyard"),
    "score": ("评分", "Score"),
}

def texts(lang: str) -> dict[str, str]:
    """The table in one language (``zh`` or ``en``)."""
    k = 1 if lang == "en" else 0
    return {key: pair[k] for key, pair in UI.items()}
