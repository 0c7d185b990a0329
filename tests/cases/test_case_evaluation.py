"""The monthly evaluation of October 2026 on eleven cases whose figures were worked out by
hand (working hours 8:30–12:00 and 14:30–18:00; National Day 1–7 October; 10 October a
make-up working day). All times local. Street vending and exposed rubbish have 2 working
hours, a broken drain grate 1 working day (7 h). Clocks start at 派遣; each case below is
dispatched within minutes of 立案 (C4 at once), which moves no figure.

West grid 130102001 (建北街道):
  C1 vending   reg 12 Oct 09:00, due 11:00; handled 10:30, closed      → due, closed, on time
  C2 vending   reg 13 Oct 17:00, due 14 Oct 09:30; handled 10:00       → due, closed, late
  C3 rubbish   reg 20 Oct 09:00, due 11:00; handled, reworked,
               handled again 10:50, closed                             → due, closed, on time, reworked
  C4 vending   reg 30 Oct 17:30, due Mon 2 Nov 10:00                   → accepted, registered, not due
  C5 rubbish   reported 21 Oct, not registered (不予立案)               → accepted only
  C6 vending   reg 30 Sep 17:00, due 8 Oct 09:30 (holiday between),
               extended 2 h → due 8 Oct 11:30; handled 11:00, closed   → due in Oct, on time, extended
  C7 vending   reg 22 Oct 09:00, due 11:00; dispatched, never handled  → due, not closed
  C11 vending  reg 15 Sep 09:00, due 11:00; handled 14:40 (late)       → September: due, closed, late
East grid 130102002 (青园街道):
  C8 drain     reg 15 Oct 10:00; suspended 15:00 (2.5 h used) until Mon 19 Oct 09:00;
               due 19 Oct 16:00; handled 15:00, closed                 → due, closed, on time
  C9 vending   reg 23 Oct 09:00, closed abnormally 10:00               → accepted, registered, not due
  C10 vending  reg 26 Oct 09:00, due 11:00; handled 10:00, closed 2 Nov → due; closed after the month

West, October: 受理 6 (C1 C2 C3 C4 C5 C7), 立案 5 (C1 C2 C3 C4 C7), 应结案 5 (C1 C2 C3 C6 C7),
  结案 4, 按期 3 (C1 C3 C6), 返工 1, 延期 1 → 结案率 80.0, 按期结案率 60.0, 返工率 20.0, 延期率 20.0.
East, October: 受理 3, 立案 3, 应结案 2 (C8 C10), 结案 1, 按期 1 → 50.0, 50.0, 0.0, 0.0.
West, September: 受理 2 (C6 C11), 应结案 1 (C11), 结案 1, 按期 0 → 按期结案率 0.0.
"""
from __future__ import annotations

import pandas as pd
import pytest

from cases.casekit import IN_EAST, IN_WEST, file_case, file_dispatched, local, run
from registry import Change
from registry.cases import Cases, Report
from registry.cases.evaluation import evaluate, ranking

COLUMNS = ["unit", "accepted", "registered", "due", "closed", "on_time", "reworked", "extended",
           "closed_rate", "on_time_rate", "rework_rate", "extension_rate"]


def _close(cases: Cases, case_id: str, handled: str, closed: str) -> None:
    run(cases, case_id, ("handle", handled), ("verify", closed), ("close", closed))


@pytest.fixture()
def month(cases: Cases) -> Cases:
    c1 = file_case(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    run(cases, c1, ("dispatch", "2026-10-12 09:10"))
    _close(cases, c1, "2026-10-12 10:30", "2026-10-12 11:00")
    c2 = file_case(cases, "street_vending", IN_WEST, "2026-10-13 17:00")
    run(cases, c2, ("dispatch", "2026-10-13 17:05"))
    _close(cases, c2, "2026-10-14 10:00", "2026-10-14 11:00")
    c3 = file_case(cases, "exposed_garbage", IN_WEST, "2026-10-20 09:00")
    run(cases, c3, ("dispatch", "2026-10-20 09:05"), ("handle", "2026-10-20 10:00"),
        ("rework", "2026-10-20 10:30"))
    _close(cases, c3, "2026-10-20 10:50", "2026-10-20 11:30")
    file_dispatched(cases, "street_vending", IN_WEST, "2026-10-30 17:30")
    c5 = cases.report(Report("exposed_garbage", *IN_WEST), Change(who="巡查员", at=local("2026-10-21 09:00")))
    run(cases, c5.id, ("discard", "2026-10-21 09:10"))
    c6 = file_case(cases, "street_vending", IN_WEST, "2026-09-30 17:00")
    run(cases, c6, ("dispatch", "2026-09-30 17:10"), ("extend", "2026-10-08 09:00"))
    _close(cases, c6, "2026-10-08 11:00", "2026-10-08 14:40")
    c7 = file_case(cases, "street_vending", IN_WEST, "2026-10-22 09:00")
    run(cases, c7, ("dispatch", "2026-10-22 09:05"))
    c11 = file_case(cases, "street_vending", IN_WEST, "2026-09-15 09:00")
    run(cases, c11, ("dispatch", "2026-09-15 09:05"))
    _close(cases, c11, "2026-09-15 14:40", "2026-09-15 15:00")
    c8 = file_case(cases, "drain_grate_broken", IN_EAST, "2026-10-15 10:00")
    run(cases, c8, ("dispatch", "2026-10-15 10:05"), ("suspend", "2026-10-15 15:00"),
        ("resume", "2026-10-19 09:00"))
    _close(cases, c8, "2026-10-19 15:00", "2026-10-19 16:30")
    c9 = file_case(cases, "street_vending", IN_EAST, "2026-10-23 09:00")
    run(cases, c9, ("dispatch", "2026-10-23 09:05"), ("close_abnormal", "2026-10-23 10:00"))
    c10 = file_case(cases, "street_vending", IN_EAST, "2026-10-26 09:00")
    run(cases, c10, ("dispatch", "2026-10-26 09:05"))
    _close(cases, c10, "2026-10-26 10:00", "2026-11-02 09:00")
    return cases


def rows(table: pd.DataFrame) -> list[list]:
    return table[COLUMNS].astype(object).where(table[COLUMNS].notna(), None).values.tolist()


def test_october_by_grid_checked_by_hand(month: Cases) -> None:
    table = evaluate(month.all(), "2026-10", "grid")
    assert rows(table) == [
        ["130102001", 6, 5, 5, 4, 3, 1, 1, 80.0, 60.0, 20.0, 20.0],
        ["130102002", 3, 3, 2, 1, 1, 0, 0, 50.0, 50.0, 0.0, 0.0],
    ]
    assert table["name"].tolist() == ["建北街道", "青园街道"]


def test_september_by_grid(month: Cases) -> None:
    table = evaluate(month.all(), "2026-09", "grid")
    assert rows(table)[0] == ["130102001", 2, 2, 1, 1, 0, 0, 0, 100.0, 0.0, 0.0, 0.0]
    assert rows(table)[1][:4] == ["130102002", 0, 0, 0]
    assert rows(table)[1][8:] == [None, None, None, None]


def test_october_ranking_with_month_over_month_change(month: Cases) -> None:
    table = ranking(month.all(), "2026-10", "grid")
    assert table[["unit", "rank", "on_time_rate_change", "closed_rate_change", "rank_change"]
                 ].astype(object).where(table.notna(), None).values.tolist() == [
        ["130102001", 1, 60.0, -20.0, 0],
        ["130102002", 2, None, None, None],
    ]


def test_october_by_department(month: Cases) -> None:
    # Specialist departments only: the vending cases dispatched to the two street offices
    # are ranked with the streets, not beside the departments.
    table = ranking(month.all(), "2026-10", "department")
    assert table[["unit", "rank", "due", "closed", "on_time", "on_time_rate", "rework_rate"]
                 ].values.tolist() == [
        ["市政管理处", 1, 1, 1, 1, 100.0, 0.0],
        ["环境卫生管理处", 2, 1, 1, 1, 100.0, 100.0],
    ]


def test_every_unit_is_listed_and_too_few_due_cases_are_not_ranked(month: Cases) -> None:
    grids = [("130102001", "建北街道"), ("130102002", "青园街道"), ("130102003", "和平街道")]
    table = ranking(month.all(), "2026-10", "grid", units=grids, min_due=3)
    assert table[["unit", "rank", "due", "on_time_rate"]].astype(object).where(
        table[["unit", "rank", "due", "on_time_rate"]].notna(), None).values.tolist() == [
        ["130102001", 1, 5, 60.0],
        ["130102002", None, 2, 50.0],     # two due cases: listed, not ranked
        ["130102003", None, 0, None],     # no case at all: listed with zeros
    ]
    assert table.loc[2, ["name", "accepted", "registered"]].tolist() == ["和平街道", 0, 0]


def test_by_street_office_and_equal_units_share_a_rank(month: Cases) -> None:
    table = ranking(month.all(), "2026-11", "street")
    # November: only C4 (due 2 Nov, never handled) is due; the east office has nothing due.
    assert table[["unit", "due", "on_time_rate", "rank"]].astype(object).where(
        table.notna(), None).values.tolist() == [["建北街道", 1, 0.0, 1], ["青园街道", 0, None, None]]


def test_a_rework_next_month_does_not_move_last_month(cases: Cases) -> None:
    # Due Wednesday 30 Sep 11:00, handled on time, sent back on 8 Oct after the holiday.
    case_id = file_dispatched(cases, "street_vending", IN_WEST, "2026-09-30 09:00")
    run(cases, case_id, ("handle", "2026-09-30 10:00"))
    september = evaluate(cases.all(), "2026-09")
    run(cases, case_id, ("rework", "2026-10-08 09:00"))
    again = evaluate(cases.all(), "2026-09")
    assert rows(again) == rows(september)
    assert again["reworked"].tolist() == [0]
    assert evaluate(cases.all(), "2026-09", as_of=local("2026-10-09 00:00"))["reworked"].tolist() == [1]


def test_an_overdue_case_closed_abnormally_stays_due(cases: Cases) -> None:
    late = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-12 09:00")   # due 11:00
    run(cases, late, ("close_abnormal", "2026-10-14 09:00"))
    in_time = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-13 09:00")
    run(cases, in_time, ("close_abnormal", "2026-10-13 10:00"))
    table = evaluate(cases.all(), "2026-10")
    assert table[["due", "closed", "closed_rate"]].values.tolist() == [[1, 0, 0.0]]
