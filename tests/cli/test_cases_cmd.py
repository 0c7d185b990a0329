"""`infracensus case ...` and `infracensus ranking` as an engineer runs them."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

import registry
from cases.casekit import (IN_EAST, IN_WEST, LAMP, build_registry, file_case, file_dispatched,
                           run)
from registry.cases import Cases
from registry.cases.bulletin import Bulletin, published
from registry.users import Users
from web.cli.main import cli


@pytest.fixture
def city(registry_url: str) -> str:
    build_registry(registry_url).close()
    return registry_url


def invoke(city: str, command: str, *args: str) -> Result:
    """Run `command` (e.g. "case report") on the registry `city`."""
    return CliRunner().invoke(cli, [*command.split(), "-r", city, *args])


def test_report_move_show_and_list(city: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    reg = registry.open(city)
    Users(reg).add("chief", "chief-password-1", ["admin"], by="test")
    reg.close()
    monkeypatch.setenv("INFRACENSUS_VOUCH_PASSWORD", "chief-password-1")
    photo = tmp_path / "灯.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 16)
    result = invoke(city, "case report", "--category", "lamp_out", "--lon", str(LAMP[0]),
                    "--lat", str(LAMP[1]), "-d", "灯不亮", "--photo", str(photo))
    assert result.exit_code == 0, result.output
    case_id = result.output.split()[1].rstrip(":")
    assert result.output.startswith(f"case {case_id}: 路灯不亮 in 建北街道 (130102001) → 路灯管理处; asset ")
    moved = invoke(city, "case move", case_id, "register", "--who", "受理员", "--vouch", "chief",
                   "--expect-version", "1")
    # The clock starts at 派遣: a registered case has no deadline yet.
    assert moved.exit_code == 0 and moved.output == f"case {case_id}: 立案 (registered), version 2\n"
    stale = invoke(city, "case move", case_id, "dispatch", "--expect-version", "1")
    assert stale.exit_code == 1
    assert f"Error: case {case_id} is at version 2, not 1" in stale.output
    shown = invoke(city, "case show", case_id).output
    assert "description        灯不亮" in shown and "photos             1" in shown
    assert "next moves         dispatch, suspend, extend, close_abnormal" in shown
    assert "受理员      register        → registered" in shown
    listed = invoke(city, "case list", "--state", "registered", "--csv").output.splitlines()
    assert listed[0] == "id,state,category,grid_code,department,deadline,overdue"
    assert listed[1].startswith(f"{case_id},registered,lamp_out,130102001,路灯管理处,")


def test_errors_are_one_line(city: str) -> None:
    outside = invoke(city, "case report", "--category", "street_vending", "--lon", "115",
                     "--lat", "38.05")
    assert outside.exit_code == 1
    assert outside.output.startswith("Error: (115.000000, 38.050000) lies outside every")
    assert invoke(city, "case show", "209901010001").output == "Error: no case 209901010001\n"


def test_ranking_prints_and_writes_csv_and_excel(city: str, tmp_path: Path) -> None:
    reg = registry.open(city)
    cases = Cases(reg)
    for day in ("12", "13", "14"):
        late = file_case(cases, "street_vending", IN_EAST, f"2026-10-{day} 09:00")
        run(cases, late, ("dispatch", f"2026-10-{day} 09:05"), ("handle", f"2026-10-{day} 15:00"),
            ("verify", f"2026-10-{day} 15:10"), ("close", f"2026-10-{day} 15:20"))
    file_dispatched(cases, "street_vending", IN_WEST, "2026-10-13 09:00")
    reg.close()
    printed = invoke(city, "ranking", "--month", "2026-10", "--by", "street").output.splitlines()
    assert printed[0].split()[:5] == ["排名", "街道办事处", "受理数", "立案数", "应结案数"]
    assert printed[1].split()[:9] == ["1", "青园街道", "3", "3", "3", "3", "0", "0", "0"]
    # One due case, not closed: listed, but too few due cases to be ranked (rank_min_due = 3).
    assert printed[2].split()[:6] == ["—", "建北街道", "1", "1", "1", "0"]
    out = invoke(city, "ranking", "--month", "2026-10", "-o", str(tmp_path / "r.xlsx"), "--lang", "en")
    assert out.output == f"{tmp_path / 'r.xlsx'}: 2 rows, 2026-10 by grid\n"
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert [c.value for c in sheet[1]][:5] == ["Rank", "Grid", "Name", "Accepted", "Registered"]
    assert sheet.title == "2026-10 grid"
    invoke(city, "ranking", "--month", "2026-10", "-o", str(tmp_path / "r.csv"))
    assert (tmp_path / "r.csv").read_bytes().startswith("\ufeff排名,责任网格".encode())
    wrong = invoke(city, "ranking", "--month", "2026-10", "-o", str(tmp_path / "r.pdf"))
    assert "is written as .csv or .xlsx" in wrong.output


def test_a_published_month_never_changes_and_the_next_lists_corrections(
        city: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = registry.open(city)
    cases = Cases(reg)
    open_case = file_dispatched(cases, "street_vending", IN_WEST, "2026-10-13 09:00")
    Users(reg).add("chief", "chief-password-1", ["admin"], by="test")
    reg.close()
    monkeypatch.setenv("INFRACENSUS_VOUCH_PASSWORD", "chief-password-1")
    published = invoke(city, "ranking", "publish", "--month", "2026-10", "--by", "street",
                       "--who", "值班长", "--vouch", "chief")
    assert published.exit_code == 0, published.output
    assert published.output == ("考评通报 2026-10 by street published: 2 units, 0 ranked, "
                                "0 corrections to 2026-09\n")
    before = invoke(city, "ranking", "--month", "2026-10", "--by", "street").output
    assert before.startswith("已发布 published ") and " by 值班长\n" in before
    reg = registry.open(city)
    run(Cases(reg), open_case, ("handle", "2026-11-03 09:00"), ("verify", "2026-11-03 10:00"),
        ("close", "2026-11-03 11:00"))
    reg.close()
    assert invoke(city, "ranking", "--month", "2026-10", "--by", "street").output == before
    again = invoke(city, "ranking", "publish", "--month", "2026-10", "--by", "street")
    assert again.exit_code == 1 and "a published bulletin never changes" in again.output
    invoke(city, "ranking", "publish", "--month", "2026-11", "--by", "street")
    november = published_bulletin(city, "2026-11", "street")
    assert november.corrections == [{"month": "2026-10", "unit": "建北街道", "name": "建北街道",
                                     "figure": "closed", "published": 0, "now": 1}]


def published_bulletin(city: str, month: str, by: str) -> Bulletin:
    reg = registry.open(city)
    try:
        found = published(reg, month, by)
        assert found is not None
        return found
    finally:
        reg.close()


def test_a_claimed_author_needs_an_admin_to_vouch(city: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 14: --who alone was believed; now the OS login is recorded unless an admin vouches.
    args = ["--category", "lamp_out", "--lon", str(LAMP[0]), "--lat", str(LAMP[1])]
    claimed = invoke(city, "case report", *args, "--who", "巡查员")
    assert claimed.exit_code == 1 and "--who 巡查员 is not you" in claimed.output
    reg = registry.open(city)
    assert Cases(reg).all() == []  # refused before anything was written
    Users(reg).add("chief", "chief-password-1", ["admin"], by="test")
    reg.close()
    monkeypatch.setenv("INFRACENSUS_VOUCH_PASSWORD", "chief-password-1")
    vouched = invoke(city, "case report", *args, "--who", "巡查员", "--vouch", "chief")
    assert vouched.exit_code == 0, vouched.output
    trail = invoke(city, "audit", "--action", "cli.vouch").output
    assert "chief" in trail and "user:巡查员" in trail
