"""A case's life from report to close, with working-time deadlines across a weekend, the
National Day holiday and a make-up working day (2026-10-10, a Saturday), as the city's
calendar file says; natural-time deadlines for emergencies; clocks that start at 派遣."""
from __future__ import annotations

from pathlib import Path

import pytest

from backends import only_gpkg, only_postgis
from cases.casekit import (DRAIN, IN_EAST, IN_WEST, LAMP, asset_uuid, file_case,
                           file_dispatched, local, run)
from registry import Change
from registry.cases import Cases, Photo, Report, load_rules
from registry.change import iso
from registry.errors import Conflict, InvalidInput, NotFound


def deadline_of(cases: Cases, case_id: str) -> str | None:
    return cases.get(case_id).deadline


@pytest.mark.parametrize(("registered", "deadline"), [
    ("2026-10-16 17:00", "2026-10-19 09:30"),   # Friday → Monday across the weekend
    ("2026-10-09 17:00", "2026-10-10 09:30"),   # Friday → Saturday 10 Oct, a make-up day
    ("2026-09-30 17:30", "2026-10-08 10:00"),   # across National Day (1–7 Oct)
    ("2026-10-12 11:00", "2026-10-12 15:30"),   # across the lunch break
    ("2026-10-12 07:00", "2026-10-12 10:30"),   # before office hours: from 8:30
])
def test_two_hour_deadline_in_working_time(cases: Cases, registered: str, deadline: str) -> None:
    case_id = file_dispatched(cases, "street_vending", IN_WEST, registered)
    assert deadline_of(cases, case_id) == iso(local(deadline))


@pytest.mark.parametrize(("category", "dispatched", "deadline"), [
    ("gas_main_leak", "2026-11-06 18:35", "2026-11-06 19:35"),   # Friday evening: within the hour
    ("gas_smell", "2026-10-01 10:00", "2026-10-01 11:00"),       # National Day: still the hour
    ("manhole_cover_missing", "2026-10-17 23:30", "2026-10-18 01:30"),  # Saturday night: 2 h
])
def test_emergencies_run_on_natural_time(cases: Cases, category: str, dispatched: str,
                                         deadline: str) -> None:
    where = DRAIN if category == "manhole_cover_missing" else IN_WEST
    case_id = file_dispatched(cases, category, where, dispatched)
    case = cases.get(case_id)
    assert (case.clock, case.deadline, case.provisional_years) == (
        "natural", iso(local(deadline)), [])


def test_the_clock_starts_at_dispatch_not_at_registration(cases: Cases) -> None:
    case_id = file_case(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    assert deadline_of(cases, case_id) is None       # the command centre has not dispatched yet
    assert not cases.get(case_id).overdue(local("2026-10-13 09:00"))
    run(cases, case_id, ("dispatch", "2026-10-12 14:30"))   # the centre took the morning
    assert deadline_of(cases, case_id) == iso(local("2026-10-12 16:30"))


def test_full_life_cycle_across_a_holiday(cases: Cases) -> None:
    # 三盏以上相邻路灯不亮: 1 working day = 7 working hours.
    case_id = file_case(cases, "lamps_out_adjacent", (LAMP[0] + 0.0001, LAMP[1]), "2026-09-30 16:00")
    case = cases.get(case_id)
    assert (case.state, case.department, case.grid_code) == ("registered", "路灯管理处", "130102001")
    run(cases, case_id, ("dispatch", "2026-09-30 16:00"))
    # 2 h on 30 Sep, holiday 1–7 Oct, 3.5 h + 1.5 h on 8 Oct.
    assert cases.get(case_id).deadline == iso(local("2026-10-08 16:00"))
    run(cases, case_id, ("suspend", "2026-10-08 09:00"))
    assert (cases.get(case_id).state, deadline_of(cases, case_id)) == ("suspended", None)
    run(cases, case_id, ("resume", "2026-10-09 09:00"))
    # 2.5 h used before the pause; 4.5 h left from Friday 9:00.
    assert (cases.get(case_id).state, deadline_of(cases, case_id)) == (
        "dispatched", iso(local("2026-10-09 16:00")))
    run(cases, case_id, ("extend", "2026-10-09 10:00"))
    assert deadline_of(cases, case_id) == iso(local("2026-10-09 18:00"))
    run(cases, case_id, ("handle", "2026-10-09 15:00"), ("rework", "2026-10-09 16:00"))
    case = cases.get(case_id)
    assert (case.state, case.reworks, case.extensions) == ("dispatched", 1, 1)
    assert case.overdue(local("2026-10-09 18:30")) and not case.overdue(local("2026-10-09 17:00"))
    run(cases, case_id, ("handle", "2026-10-10 09:00"), ("verify", "2026-10-10 10:00"),
        ("close", "2026-10-10 11:00"))
    case = cases.get(case_id)
    assert (case.state, case.on_time(), case.closed_at) == (
        "closed", False, iso(local("2026-10-10 11:00")))
    moves = [(e["move"], e["from"], e["to"], e["who"]) for e in cases.history(case_id)]
    assert moves[:3] == [("report", None, "reported", "巡查员"),
                         ("register", "reported", "registered", "受理员"),
                         ("dispatch", "registered", "dispatched", "派遣员")]
    assert [m[0] for m in moves[3:]] == ["request", "suspend", "resume", "request", "extend",
                                         "handle", "rework", "handle", "verify", "close"]
    suspended = cases.history(case_id)[4]
    assert (suspended["requested_by"], suspended["decided_by"], suspended["reason"]) == (
        "派遣员", "值班长", "等待审批")
    assert cases.history(case_id)[-1]["at"] == iso(local("2026-10-10 11:00"))


def test_closing_writes_the_event_and_a_new_asset_version(cases: Cases) -> None:
    lamp = asset_uuid(cases.reg, "lamp_posts", "L1")
    case_id = file_case(cases, "lamp_out", LAMP, "2026-10-12 09:00", description="灯不亮")
    run(cases, case_id, ("dispatch", "2026-10-12 09:05"), ("handle", "2026-10-13 10:00"),
        ("verify", "2026-10-13 11:00"), ("close", "2026-10-13 11:30"))
    history = cases.reg.history(lamp)
    (event,) = history["events"]
    assert (event["kind"], event["date"], event["crew"]) == ("repair", "2026-10-13", "路灯管理处")
    assert (event["condition_before"], event["condition_after"]) == ("3", "1")
    assert (event["source"], event["ref"]) == ("case", case_id)
    asset = cases.reg.get(lamp)["properties"]
    assert (asset["condition"], asset["version"]) == (1, 2)


def test_closing_rolls_back_with_the_event(cases: Cases, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = file_case(cases, "drain_grate_broken", DRAIN, "2026-10-12 09:00")
    run(cases, case_id, ("dispatch", "2026-10-12 09:05"), ("handle", "2026-10-12 10:00"),
        ("verify", "2026-10-12 11:00"))

    def broken(*args: object, **kwargs: object) -> None:
        raise Conflict("asset is retired")
    monkeypatch.setattr(cases.reg, "record_event", broken)
    with pytest.raises(Conflict):
        run(cases, case_id, ("close", "2026-10-12 11:30"))
    assert cases.get(case_id).state == "verified"
    assert cases.history(case_id)[-1]["move"] == "verify"


def test_illegal_moves_are_refused_naming_state_and_move(cases: Cases) -> None:
    case_id = cases.report(Report("street_vending", *IN_WEST), Change(who="巡查员")).id
    with pytest.raises(Conflict, match=rf"case {case_id} is 信息收集 \(reported\): cannot 结案 "
                                       r"\(close\); allowed: 立案 register, 不予立案 discard"):
        cases.move(case_id, "close", Change(who="派遣员"))
    cases.move(case_id, "discard", Change(who="受理员"), note="重复上报")
    with pytest.raises(Conflict, match="不予立案 .discarded.: cannot 立案 .register.; allowed: "
                                       "nothing"):
        cases.move(case_id, "register", Change(who="受理员"))
    with pytest.raises(InvalidInput, match="unknown move 'fly'"):
        cases.move(case_id, "fly", Change(who="受理员"))


def test_a_stale_version_is_a_conflict(cases: Cases) -> None:
    case = cases.report(Report("street_vending", *IN_WEST), Change(who="巡查员"))
    cases.move(case.id, "register", Change(who="甲"), expected_version=case.version)
    with pytest.raises(Conflict, match="at version 2, not 1"):
        cases.move(case.id, "discard", Change(who="乙"), expected_version=case.version)


def test_extension_needs_hours(cases: Cases) -> None:
    case_id = file_case(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    with pytest.raises(InvalidInput, match="positive number of hours"):
        cases.move(case_id, "extend", Change(who="派遣员", at=local("2026-10-12 09:10")),
                   note="等待配件")


@pytest.mark.parametrize("move", ["extend", "suspend", "close_abnormal"])
def test_extensions_suspensions_and_abnormal_closes_need_a_reason(cases: Cases, move: str) -> None:
    case_id = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    with pytest.raises(InvalidInput, match=f"case {case_id}: a .+ \\({move}\\) needs a reason"):
        cases.move(case_id, move, Change(who="派遣员", at=local("2026-10-12 09:30")),
                   extra_hours=2.0, note="  ")
    assert cases.get(case_id).state == "dispatched"


@pytest.mark.parametrize("move", ["extend", "suspend"])
def test_an_overdue_case_cannot_be_extended_or_suspended(cases: Cases, move: str) -> None:
    # Two working hours from Monday 9:00; two days late by Wednesday.
    case_id = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    with pytest.raises(Conflict, match="overdue since .+ must be asked before the deadline"):
        run(cases, case_id, (move, "2026-10-14 11:00"))
    case = cases.get(case_id)
    assert (case.state, case.deadline, case.extensions) == (
        "dispatched", iso(local("2026-10-12 11:00")), 0)
    assert case.overdue(local("2026-10-14 11:00"))


def test_a_report_outside_every_grid_is_refused(cases: Cases) -> None:
    with pytest.raises(InvalidInput, match="outside every responsibility grid"):
        cases.report(Report("street_vending", 114.70, 38.05), Change(who="巡查员"))
    assert cases.all() == []


def test_an_unknown_category_is_refused(cases: Cases) -> None:
    with pytest.raises(InvalidInput, match="unknown case category 'ufo'; known: "
                                           "manhole_cover_missing"):
        cases.report(Report("ufo", *IN_WEST), Change(who="巡查员"))


def test_a_report_links_the_nearest_asset_within_20_m(cases: Cases) -> None:
    near = cases.report(Report("drain_dumping", DRAIN[0] + 0.0001, DRAIN[1]), Change(who="巡查员"))
    assert (near.asset_uuid, near.asset_layer) == (asset_uuid(cases.reg, "drains", "D1"), "drains")
    assert near.asset_distance_m == pytest.approx(8.8, abs=0.1)
    far = cases.report(Report("drain_dumping", DRAIN[0] + 0.0005, DRAIN[1]), Change(who="巡查员"))
    assert far.asset_uuid is None
    unlinked = cases.report(Report("street_vending", *DRAIN), Change(who="巡查员"))
    assert unlinked.asset_uuid is None


def test_department_from_category_and_grid(cases: Cases) -> None:
    west = cases.report(Report("street_vending", *IN_WEST), Change(who="巡查员"))
    east = cases.report(Report("street_vending", *IN_EAST), Change(who="巡查员"))
    garbage = cases.report(Report("exposed_garbage", *IN_EAST), Change(who="巡查员"))
    assert (west.department, east.department, garbage.department) == (
        "建北街道", "青园街道", "环境卫生管理处")
    assert (east.grid_code, east.grid_name) == ("130102002", "青园街道")


def test_ids_count_per_local_day(cases: Cases) -> None:
    first = cases.report(Report("street_vending", *IN_WEST), Change(who="a", at=local("2026-10-12 23:30")))
    second = cases.report(Report("street_vending", *IN_WEST), Change(who="a", at=local("2026-10-12 23:40")))
    third = cases.report(Report("street_vending", *IN_WEST), Change(who="a", at=local("2026-10-13 00:10")))
    assert [first.id, second.id, third.id] == ["202610120001", "202610120002", "202610130001"]
    with pytest.raises(NotFound, match="no case 202610120009"):
        cases.get("202610120009")


def test_moves_cannot_go_back_in_time(cases: Cases) -> None:
    case_id = file_case(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    with pytest.raises(InvalidInput, match="before its last move"):
        cases.move(case_id, "dispatch", Change(who="派遣员", at=local("2026-10-12 08:00")))


def test_calendar_file_has_2026_holidays() -> None:
    calendar = load_rules().calendar
    assert calendar.day_minutes == 420
    assert not calendar.is_working_day(local("2026-10-05 12:00").date())
    assert calendar.is_working_day(local("2026-10-10 12:00").date())      # 调休 Saturday
    assert not calendar.is_working_day(local("2026-10-17 12:00").date())  # ordinary Saturday


def test_cases_per_asset_count_repeats_and_open_ones(cases: Cases) -> None:
    drain = asset_uuid(cases.reg, "drains", "D1")
    first = file_case(cases, "drain_dumping", DRAIN, "2026-10-12 09:00")
    file_case(cases, "drain_dumping", DRAIN, "2026-10-19 09:00")
    run(cases, first, ("dispatch", "2026-10-12 09:05"), ("close_abnormal", "2026-10-12 10:00"))
    counts = cases.per_asset(since=local("2026-10-01 00:00"))
    assert counts.values.tolist() == [[drain, "drains", 2, 1]]
    assert cases.per_asset(since=local("2026-10-15 00:00"))["cases"].tolist() == [1]


def test_photos_come_back_as_sent_and_only_images_are_taken(cases: Cases) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    case = cases.report(Report("street_vending", *IN_WEST, photos=[Photo(png, "摊位.png")]),
                        Change(who="巡查员"))
    assert case.photos[0]["name"] == "摊位.png" and case.photos[0]["size"] == 72
    assert cases.photo(case.id, 0) == (png, "image/png")
    assert cases.get(case.id).photos == case.photos
    with pytest.raises(InvalidInput, match="JPEG, PNG or WebP"):
        cases.report(Report("street_vending", *IN_WEST, photos=[Photo(b"GIF89a", "x.gif")]),
                     Change(who="巡查员"))


@only_gpkg
def test_photos_are_kept_beside_the_geopackage(cases: Cases) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    case = cases.report(Report("street_vending", *IN_WEST, photos=[Photo(png, "摊位.png")]),
                        Change(who="巡查员"))
    assert case.photos == [{"name": "摊位.png", "type": "image/png", "size": 72, "file": "1.png"}]
    assert (Path(cases.reg.url + ".files") / "cases" / case.id / "1.png").read_bytes() == png


@only_postgis
def test_photos_are_kept_inside_the_case_on_postgis(cases: Cases) -> None:
    """The database server may be another machine: the photo travels in the case document."""
    jpeg = b"\xff\xd8\xff\xe0" + b"\1" * 40
    sent = cases.report(Report("street_vending", *IN_WEST, photos=[Photo(jpeg, "a.jpg")]),
                        Change(who="巡查员"))
    stored = cases.reg.document("case", sent.id)["body"]["photos"][0]
    assert (stored["type"], stored["size"], stored["data"][:8]) == ("image/jpeg", 44, "/9j/4AEB")


def test_a_deadline_into_a_year_without_holidays_is_provisional(cases: Cases) -> None:
    # 1 working day from 16:00 on 31 Dec 2026: the 2027 New Year holiday is not in the calendar
    # yet, so 1 Jan 2027 counts as a working day and the deadline is marked provisional.
    late = file_dispatched(cases, "lamps_out_adjacent", (LAMP[0] + 0.0001, LAMP[1]),
                           "2026-12-31 16:00")
    assert (cases.get(late).deadline, cases.get(late).provisional_years) == (
        iso(local("2027-01-01 16:00")), [2027])
    october = file_dispatched(cases, "lamps_out_adjacent", (LAMP[0] + 0.0001, LAMP[1]),
                              "2026-10-12 09:00")
    assert cases.get(october).provisional_years == []


def test_an_unapproved_suspension_has_no_effect(cases: Cases) -> None:
    case_id = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    cases.move(case_id, "suspend", Change(who="市政管理处", at=local("2026-10-12 09:30")),
               note="等待占道施工审批")
    case = cases.get(case_id)
    assert (case.state, case.deadline, case.pauses) == (
        "dispatched", iso(local("2026-10-12 11:00")), [])
    assert case.request["move"] == "suspend" and case.overdue(local("2026-10-12 11:30"))
    with pytest.raises(Conflict, match="someone else must decide it"):
        cases.move(case_id, "approve", Change(who="市政管理处", at=local("2026-10-12 09:40")))
    cases.move(case_id, "refuse", Change(who="值班长", at=local("2026-10-12 09:45")), note="不符合挂起条件")
    case = cases.get(case_id)
    assert (case.state, case.request, case.deadline) == (
        "dispatched", None, iso(local("2026-10-12 11:00")))
    assert cases.history(case_id)[-1] | {"at": None} == {
        "at": None, "who": "值班长", "move": "refuse", "from": "dispatched", "to": "dispatched",
        "request": "suspend", "requested_by": "市政管理处", "requested_at": iso(local("2026-10-12 09:30")),
        "decided_by": "值班长", "decision": "refuse", "note": "不符合挂起条件", "reason": "等待占道施工审批"}


def test_an_extension_asked_in_time_counts_when_approved_later(cases: Cases) -> None:
    case_id = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-12 09:00")   # due 11:00
    cases.move(case_id, "extend", Change(who="派遣员", at=local("2026-10-12 10:30")),
               note="等待配件", extra_hours=2.0)
    with pytest.raises(Conflict, match=r"already has a request waiting for approval \(延期 extend\)"):
        cases.move(case_id, "close_abnormal", Change(who="派遣员", at=local("2026-10-12 10:40")),
                   note="重复上报")
    cases.move(case_id, "approve", Change(who="值班长", at=local("2026-10-12 11:30")))
    case = cases.get(case_id)
    assert (case.deadline, case.extensions, case.request) == (
        iso(local("2026-10-12 15:30")), 1, None)
    with pytest.raises(Conflict, match="has no request waiting for approval"):
        cases.move(case_id, "approve", Change(who="值班长", at=local("2026-10-12 11:40")))


def test_a_citizens_report_is_followed_up_once_after_closing(cases: Cases) -> None:
    hotline = cases.report(Report("street_vending", *IN_WEST, "市民来电：路口有摊贩",
                                  source="hotline_12345"), Change(who="话务员", at=local("2026-10-12 09:00")))
    assert hotline.source == "hotline_12345"
    run(cases, hotline.id, ("register", "2026-10-12 09:05"), ("dispatch", "2026-10-12 09:10"))
    with pytest.raises(Conflict, match="a 回访 follows 结案, once"):
        cases.follow_up(hotline.id, True, Change(who="回访员", at=local("2026-10-12 09:20")))
    run(cases, hotline.id, ("handle", "2026-10-12 10:00"), ("verify", "2026-10-12 10:10"),
        ("close", "2026-10-12 10:20"))
    done = cases.follow_up(hotline.id, False, Change(who="回访员", at=local("2026-10-13 09:00")),
                           note="摊贩第二天又来了")
    assert done.follow_up == {"satisfied": False, "note": "摊贩第二天又来了", "by": "回访员",
                              "at": iso(local("2026-10-13 09:00"))}
    assert cases.history(hotline.id)[-1]["move"] == "follow_up"
    with pytest.raises(Conflict, match="already followed up"):
        cases.follow_up(hotline.id, True, Change(who="回访员", at=local("2026-10-13 09:10")))
    patrol = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-12 09:00")
    with pytest.raises(Conflict, match="only citizens' reports are followed up"):
        cases.follow_up(patrol, True, Change(who="回访员"))
    with pytest.raises(InvalidInput, match="unknown case source 'rumour'"):
        cases.report(Report("street_vending", *IN_WEST, source="rumour"), Change(who="x"))
