"""The plan pages: every saved plan at ``/plans``, and one plan at ``/plans/<id>`` with its
ordered work orders, its packages (export, return) and the conflicts to settle side by side.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/plans/PLAN-1")
('plan_pages.plan', {'plan_id': 'PLAN-1'})
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from registry.plans import conflicts, planner
from web.app import current_registry
from web.auth import scope
from web.map.i18n import language
from web.plans.api import visible_plan

TEXT: dict[str, tuple[str, str]] = {
    "plans": ("维修计划", "Repair plans"), "plan": ("维修计划", "Repair plan"),
    "map": ("地图", "Map"), "order": ("序号", "No."), "score": ("风险分", "Risk"),
    "code": ("部件编码", "GB/T code"), "layer": ("图层", "Layer"), "todo": ("工作内容", "Work"),
    "grid": ("网格", "Grid"), "package": ("工作包", "Package"), "cost": ("费用 (元)", "Cost (yuan)"),
    "tasks": ("工单", "work orders"), "yuan": ("元", "yuan"), "days": ("工日", "crew-days"),
    "left_out": ("未纳入", "left out"), "packages": ("工作包", "Work packages"),
    "crew": ("班组", "Crew"), "export": ("导出", "Export"), "return": ("回传", "Return"),
    "conflicts": ("冲突待处理", "Conflicts to settle"), "none": ("无", "None"),
    "field": ("字段", "Field"), "exported": ("导出时", "Exported"), "office": ("办公室", "Office"),
    "crew_value": ("班组", "Crew"), "keep_office": ("保留办公室值", "Keep office"),
    "take_crew": ("采用班组值", "Take crew"), "changed_by": ("办公室修改", "Changed in office by"),
    "created": ("编制", "Made by"), "no_plans": ("还没有计划", "No plans yet"),
    "return_result": ("更新 {applied} · 新增 {added} · 冲突 {conflicts} · 重复 {duplicates}",
                      "{applied} updated · {added} added · {conflicts} in conflict · "
                      "{duplicates} duplicates"),
}


def texts(lang: str) -> dict[str, str]:
    return {k: v[0 if lang == "zh" else 1] for k, v in TEXT.items()}


def create_blueprint() -> Blueprint:
    """``/plans`` and ``/plans/<plan_id>``."""
    bp = Blueprint("plan_pages", __name__)
    bp.add_url_rule("/plans", "index", index)
    bp.add_url_rule("/plans/<plan_id>", "plan", plan)
    return bp


def index() -> str:
    lang = language(request.args)
    found = [d["body"] for d in reversed(current_registry().documents(planner.PLAN))
             if scope.visible_plan(d["body"])]
    return render_template("plans/index.html", lang=lang, text=texts(lang), plans=found)


def plan(plan_id: str) -> str:
    reg, lang = current_registry(), language(request.args)
    made = visible_plan(reg, plan_id)
    held = {p["id"]: conflicts.conflicts(reg, p["id"]) for p in made["packages"]}
    return render_template("plans/plan.html", lang=lang, text=texts(lang), plan=made,
                           held=held, layers=reg.layers)
