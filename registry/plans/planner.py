"""Repair plans: the selected assets ordered by risk, cut to a budget (yuan) or to crew-days,
as work orders grouped into one work package per crew (whole grids go to one crew).

A plan is a document of kind ``plan``; each of its work packages a document of kind
``package``.

>>> import tempfile, geopandas as gpd, shapely, registry
>>> reg = registry.create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> inlets = gpd.GeoDataFrame({"condition": [1, 5, 3]}, crs=4490,
...                           geometry=shapely.points([114.50, 114.51, 114.52], [38.04] * 3))
>>> added = reg.add("drains", inlets, registry.Change(who="demo"))
>>> plan = propose(reg, registry.Query("drains"), registry.Change(who="王工"), budget_yuan=800)
>>> [t["gbt_code"][-1] for t in plan["tasks"]], plan["totals"]["cost_yuan"], plan["left_out"]["count"]
(['2', '3'], 800.0, 1)
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import date
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from registry.change import Change
from registry.errors import InvalidInput, NotFound
from registry.plans import risk
from registry.plans.weights import RuleBook, load_book
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

PLAN, PACKAGE = "plan", "package"
#: How many of the assets left out of a plan it lists (all are counted).
LISTED_LEFT_OUT = 50


def propose(reg: "Registry", selection: Query | Sequence[str], change: Change, *,
            budget_yuan: float | None = None, crew_days: float | None = None,
            crews: Sequence[str] = (), title: str = "", today: date | None = None,
            book: RuleBook | None = None) -> dict[str, Any]:
    """Score the selection, keep the riskiest assets that fit the budget and/or crew-days,
    split them into work packages and save it all; returns the plan document's body."""
    book = book or load_book()
    table = _priced(_scored(reg, selection, today, book), book)
    taken = within(table["cost_yuan"].to_numpy(), table["crew_days"].to_numpy(),
                   budget_yuan, crew_days)
    plan_id = f"PLAN-{change.at:%Y%m%d}-{uuidlib.uuid4().hex[:6]}"
    tasks = _tasks(table[taken], book)
    packages = assign(plan_id, tasks, crews)
    plan = {"id": plan_id, "title": title or plan_id, "created_by": change.who,
            "created_at": change.stamp, "selected": len(table),
            "limit": {"budget_yuan": budget_yuan, "crew_days": crew_days},
            "totals": _totals(tasks), "tasks": tasks, "packages": packages,
            "left_out": _left_out(table[~taken])}
    _save(reg, plan, change)
    return plan


def _scored(reg: "Registry", selection: Query | Sequence[str], today: date | None,
            book: RuleBook) -> pd.DataFrame:
    if isinstance(selection, Query):
        table = risk.score(reg, selection.layer, reg.query(selection), today=today, book=book)
    else:
        table = risk.score_assets(reg, list(dict.fromkeys(selection)), today=today, book=book)
    if table.empty:
        raise InvalidInput("the selection holds no assets to plan")
    return table.sort_values(["score", "gbt_code"], ascending=[False, True], ignore_index=True)


def _priced(table: pd.DataFrame, book: RuleBook) -> pd.DataFrame:
    rules = table["layer"].map(book.rules)
    table["cost_yuan"] = rules.map(lambda r: r.cost_yuan).astype(float)
    table["crew_days"] = rules.map(lambda r: 1.0 / r.per_crew_day).astype(float)
    return table


def within(costs: np.ndarray, days: np.ndarray, budget: float | None,
           crew_days: float | None) -> np.ndarray:
    """Which assets (already in order of risk) the plan takes: each in turn if it still fits
    both limits; one that does not is passed over so a cheaper one can use what is left.

    >>> within(np.array([500., 300., 400.]), np.ones(3), 800, None).tolist()
    [True, True, False]
    """
    for name, limit in (("budget_yuan", budget), ("crew_days", crew_days)):
        if limit is not None and limit < 0:
            raise InvalidInput(f"{name} must not be negative, got {limit}")
    taken = np.zeros(len(costs), dtype=bool)
    spent = used = 0.0
    cap_cost = np.inf if budget is None else budget
    cap_days = np.inf if crew_days is None else crew_days
    for i, (cost, day) in enumerate(zip(costs.tolist(), days.tolist())):
        if spent + cost <= cap_cost + 1e-9 and used + day <= cap_days + 1e-9:
            taken[i], spent, used = True, spent + cost, used + day
    return taken


def _tasks(table: pd.DataFrame, book: RuleBook) -> list[dict[str, Any]]:
    rows = table.to_dict("records")
    return [{"order": i, "uuid": r["uuid"], "layer": r["layer"], "gbt_code": r["gbt_code"],
             "grid_code": r["grid_code"], "score": float(r["score"]),
             "action": book.rules(r["layer"]).action, "todo": book.rules(r["layer"]).todo,
             "cost_yuan": r["cost_yuan"], "crew_days": round(r["crew_days"], 4)}
            for i, r in enumerate(rows, start=1)]


def _totals(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"tasks": len(tasks), "cost_yuan": round(sum(t["cost_yuan"] for t in tasks), 2),
            "crew_days": round(sum(t["crew_days"] for t in tasks), 2)}


def _left_out(table: pd.DataFrame) -> dict[str, Any]:
    first = table.head(LISTED_LEFT_OUT)
    return {"count": len(table), "first": [
        {"uuid": u, "gbt_code": c, "score": float(s)}
        for u, c, s in zip(first["uuid"], first["gbt_code"], first["score"])]}


def assign(plan_id: str, tasks: list[dict[str, Any]], crews: Sequence[str]
           ) -> list[dict[str, Any]]:
    """Group work orders into packages: each grid goes whole to the crew with the least work
    so far (biggest grids first); without crews, each grid is its own crew. Sets each
    task's ``package``; returns the packages."""
    days: dict[str, float] = {}
    for t in tasks:
        days[t["grid_code"] or "-"] = days.get(t["grid_code"] or "-", 0.0) + t["crew_days"]
    load = {crew: 0.0 for crew in crews}
    crew_of = {}
    for grid in sorted(days, key=lambda g: (-days[g], g)):
        crew = min(load, key=lambda c: (load[c], c)) if crews else f"网格 {grid}"
        crew_of[grid], load[crew] = crew, load.get(crew, 0.0) + days[grid]
    names = sorted(set(crew_of.values()), key=lambda c: list(crew_of.values()).index(c))
    ids = {crew: f"{plan_id}-K{i}" for i, crew in enumerate(names, start=1)}
    for t in tasks:
        t["package"] = ids[crew_of[t["grid_code"] or "-"]]
    return [_package_summary(ids[crew], crew, [t for t in tasks if t["package"] == ids[crew]])
            for crew in names]


def _package_summary(package_id: str, crew: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": package_id, "crew": crew,
            "grids": sorted({t["grid_code"] for t in tasks if t["grid_code"]}),
            **_totals(tasks)}


def _save(reg: "Registry", plan: dict[str, Any], change: Change) -> None:
    with reg.transaction():
        reg.save_document(PLAN, plan["id"], plan, change, expected_version=0)
        for package in plan["packages"]:
            body = {"id": package["id"], "plan": plan["id"], "crew": package["crew"],
                    "tasks": [t for t in plan["tasks"] if t["package"] == package["id"]],
                    "conflicts": {}, "returns": 0}
            reg.save_document(PACKAGE, package["id"], body, change, expected_version=0)


def show(reg: "Registry", plan_id: str) -> dict[str, Any]:
    """A saved plan's body; NotFound naming the plans there are if it does not exist."""
    try:
        return reg.document(PLAN, plan_id)["body"]
    except NotFound:
        known = [d["key"] for d in reg.documents(PLAN)]
        raise NotFound(f"no plan {plan_id}; plans: {', '.join(known) or 'none yet'}") from None


def package_of(reg: "Registry", plan_id: str, crew: str) -> str:
    """The id of the package a crew has in a plan."""
    plan = show(reg, plan_id)
    for package in plan["packages"]:
        if package["crew"] == crew:
            return package["id"]
    crews = ", ".join(p["crew"] for p in plan["packages"])
    raise NotFound(f"plan {plan_id} has no package for crew {crew!r}; crews: {crews}")
