"""`infracensus plan` and `infracensus package`: score, propose, export (GeoJSON and
GeoPackage), return, conflicts and settle, as a planner types them."""
from __future__ import annotations

import re

import orjson
import pyogrio
import pytest
from click.testing import CliRunner

import registry
from registry import Change
from web.cli.main import cli
from plans.town import build_town


@pytest.fixture()
def town_path(registry_url: str) -> str:
    build_town(registry_url).reg.close()
    return registry_url


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def propose(path: str) -> str:
    out = run("plan", "propose", "drains", "-r", path, "--budget", "800", "--crews", "一队")
    return re.match(r"(PLAN-\S+)", out).group(1)


def test_score_lists_the_riskiest_and_explains_one(town_path):
    out = run("plan", "score", "drains", "-r", town_path, "--top", "2")
    assert [line.split()[1] for line in out.splitlines()] == ["1301020104000001",
                                                              "1301020104000004"]
    uuid = out.split()[2]
    explained = run("plan", "score", "drains", "-r", town_path, "--asset", uuid)
    assert "likelihood  incidents   value 3" in explained


def test_propose_and_show_print_the_ordered_plan(town_path):
    plan = propose(town_path)
    out = run("plan", "show", "-r", town_path, plan)
    assert "2 tasks 工单, 800 元" in out and "2 left out 未纳入" in out
    assert re.search(r"1\.\s+\S+\s+1301020104000001\s+cleaning", out)
    assert f"package 工作包 {plan}-K1: crew 一队" in out


def test_geojson_round_trip_with_a_conflict(town_path, tmp_path):
    plan = propose(town_path)
    sent = tmp_path / "pkg.geojson"
    assert "2 tasks" in run("package", "export", "-r", town_path, plan, "--crew", "一队",
                            "-o", sent)
    collection = orjson.loads(sent.read_bytes())
    first, second = (f["properties"] for f in collection["features"])
    first.update(done_kind="cleaning", done_date="2026-06-03", condition_after=2)
    second.update(done_kind="cleaning", done_date="2026-06-03", depth_m=1.0)
    back = tmp_path / "pkg_returned.geojson"
    back.write_bytes(orjson.dumps(collection))
    reg = registry.open(town_path)
    reg.update(second["uuid"], {"depth_m": 2.0}, change=Change(who="办公室"))
    reg.close()
    out = run("package", "return", "-r", town_path, back)
    assert "1 applied 已入库, 0 added 新增, 1 conflicts 冲突" in out
    listed = run("package", "conflicts", "-r", town_path, f"{plan}-K1")
    assert re.search(r"井深 \(m\)\s+exported 0.9\s+office 2.0\s+crew 1.0", listed)
    settled = run("package", "settle", "-r", town_path, f"{plan}-K1", second["uuid"], "crew")
    assert "fields taken from the crew: depth_m" in settled
    assert "no conflicts" in run("package", "conflicts", "-r", town_path, f"{plan}-K1")
    assert "0 applied" in run("package", "return", "-r", town_path, back)


def test_geopackage_round_trip(town_path, tmp_path):
    plan = propose(town_path)
    sent = tmp_path / "pkg.gpkg"
    run("package", "export", "-r", town_path, plan, "--crew", "一队", "-o", sent)
    names = [name for name, _ in pyogrio.list_layers(sent)]
    assert names == ["drains", "tasks", "package"]
    drains = pyogrio.read_dataframe(sent, layer="drains")
    drains.loc[0, ["done_kind", "done_date", "notes"]] = ["cleaning", "2026-06-03", "QField"]
    drains.loc[0, "condition_after"] = 1
    pyogrio.write_dataframe(drains, sent, layer="drains", driver="GPKG")
    out = run("package", "return", "-r", town_path, sent)
    assert "1 applied 已入库" in out and "1 not done 未处理" in out


def test_a_tampered_file_is_one_clear_line(town_path, tmp_path):
    plan = propose(town_path)
    sent = tmp_path / "pkg.geojson"
    run("package", "export", "-r", town_path, plan, "--crew", "一队", "-o", sent)
    collection = orjson.loads(sent.read_bytes())
    collection["features"][0]["properties"].update(version=7, done_kind="cleaning")
    sent.write_bytes(orjson.dumps(collection))
    result = CliRunner().invoke(cli, ["package", "return", "-r", str(town_path), str(sent)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: feature 1: the version stamp of asset")
    assert "Traceback" not in result.output
