"""Repair plans: ordered by risk, cut to a budget or to crew-days, split into work packages
per crew by whole grids, saved as documents."""
from __future__ import annotations

import pytest

from registry import Change, Query
from registry.errors import InvalidInput, NotFound
from registry.plans import planner
from plans.town import TODAY

WANG = Change(who="王工")


def names(town, tasks):
    back = {v: k for k, v in town.ids.items()}
    return [back[t["uuid"]] for t in tasks]


def test_a_plan_within_a_budget_takes_the_riskiest_first(town):
    plan = planner.propose(town.reg, Query("drains"), WANG, budget_yuan=1000, today=TODAY)
    assert names(town, plan["tasks"]) == ["A", "D"]        # 400 yuan each; a third won't fit
    assert [t["order"] for t in plan["tasks"]] == [1, 2]
    assert [t["score"] for t in plan["tasks"]] == [135.0, 60.0]
    assert plan["totals"] == {"tasks": 2, "cost_yuan": 800.0, "crew_days": 0.1}
    assert plan["left_out"]["count"] == 2
    assert [x["score"] for x in plan["left_out"]["first"]] == [52.0, 0.67]
    assert plan["tasks"][0]["action"] == "cleaning"


def test_a_plan_within_crew_days(town):
    plan = planner.propose(town.reg, Query("drains"), WANG, crew_days=0.15, today=TODAY)
    assert names(town, plan["tasks"]) == ["A", "D", "B"]   # 20 inlets a crew-day


def test_a_plan_from_a_list_of_uuids_keeps_the_risk_order(town):
    plan = planner.propose(town.reg, [town["C"], town["B"], town["A"]], WANG, today=TODAY)
    assert names(town, plan["tasks"]) == ["A", "B", "C"]


def test_grids_go_whole_to_the_least_loaded_crew(town):
    plan = planner.propose(town.reg, Query("drains"), WANG, crews=["一队", "二队"], today=TODAY)
    by_crew = {p["crew"]: p for p in plan["packages"]}
    # A and B lie in grid 130102001; C and D in 130102002.
    assert by_crew["一队"]["grids"] == ["130102001"] and by_crew["一队"]["tasks"] == 2
    assert by_crew["二队"]["grids"] == ["130102002"] and by_crew["二队"]["tasks"] == 2
    package = town.reg.document("package", by_crew["二队"]["id"])["body"]
    assert names(town, package["tasks"]) == ["D", "C"]
    assert planner.package_of(town.reg, plan["id"], "二队") == by_crew["二队"]["id"]


def test_without_crews_each_grid_is_a_package(town):
    plan = planner.propose(town.reg, Query("drains"), WANG, today=TODAY)
    assert [p["crew"] for p in plan["packages"]] == ["网格 130102001", "网格 130102002"]


def test_the_plan_is_saved_as_a_document(town):
    plan = planner.propose(town.reg, Query("drains"), WANG, budget_yuan=400, title="六月清掏",
                           today=TODAY)
    stored = planner.show(town.reg, plan["id"])
    assert stored["title"] == "六月清掏" and stored["created_by"] == "王工"
    assert names(town, stored["tasks"]) == ["A"]
    with pytest.raises(NotFound, match=f"no plan PLAN-x; plans: {plan['id']}"):
        planner.show(town.reg, "PLAN-x")


def test_bad_plans_are_refused(town):
    with pytest.raises(InvalidInput, match="budget_yuan must not be negative"):
        planner.propose(town.reg, Query("drains"), WANG, budget_yuan=-1)
    with pytest.raises(InvalidInput, match="the selection holds no assets"):
        planner.propose(town.reg, Query("drains", bbox=(100, 30, 100.1, 30.1)), WANG)
    with pytest.raises(NotFound, match="has no package for crew '三队'; crews: 网格"):
        plan = planner.propose(town.reg, Query("drains"), WANG)
        planner.package_of(town.reg, plan["id"], "三队")
