"""`infracensus gas ...` on a hand-built network: what the planner reads and the files written."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, build, lonlat, main
from web.cli.gas import gas


@pytest.fixture()
def city(registry_url):
    build(registry_url, LOOP_MAINS, buildings=LOOP_BUILDINGS,
          line_valves={"V1": (0, 20, "open")}).close()
    return registry_url


def run(*args: str) -> str:
    result = CliRunner().invoke(gas, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_topology_prints_the_totals_and_writes_geojson(city, tmp_path):
    out = run("topology", "-r", city, "--geojson", str(tmp_path / "faults.geojson"))
    assert out.splitlines()[0] == "0.300 km, 7 mains, 1 connected parts, 1 feed points"
    assert json.loads((tmp_path / "faults.geojson").read_text())["features"] == []


def test_scope_table_and_csv(city, tmp_path):
    out = run("scope", "-r", city, "--year", "2026", "--explain", "--csv", str(tmp_path / "s.csv"))
    assert out.splitlines()[:4] == ["改造 replace: 0.300 km, 7 mains", "待评估 assess: 0.000 km, 0 mains",
                                    "保留 keep: 0.000 km, 0 mains",
                                    "of 0.300 km; replaced in 1 courtyards"]
    assert "甲小区: " in out and "households=66" in out
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("甲小区")


def test_isolate_with_geojson_for_the_crew(city, tmp_path):
    lon, lat = lonlat(-20, 80)
    out = run("isolate", "-r", city, "--at", f"{lon},{lat}", "--geojson", str(tmp_path / "t.geojson"))
    assert out.splitlines()[0] == ("close 1 valve(s); 260.0 m of mains and 60 households lose gas "
                                   "(260.0 m shut in)")
    assert json.loads((tmp_path / "t.geojson").read_text())["properties"]["households"] == 60


def test_programme_and_progress(city):
    assert run("programme", "-r", city, "2025", "甲小区").startswith(
        "programme 2025: 1 courtyard(s)")
    out = run("progress", "-r", city, "--year", "2025", "--by", "building")
    assert "targets: mains 100% (behind), valves 100% (behind)" in out and "b2" in out


def test_bad_input_is_one_clear_line(city):
    result = CliRunner().invoke(gas, ["programme", "-r", city, "2025", "不存在的小区"])
    assert result.exit_code == 1
    assert result.output == "Error: no courtyard named '不存在的小区'\n"
    result = CliRunner().invoke(gas, ["isolate", "-r", city, "--at", "1,2,3"])
    assert result.exit_code == 2 and "is not LON,LAT" in result.output


def test_scope_lists_the_mains_waiting_for_an_assessment(registry_url):
    build(registry_url, [main("ST", [(0, 0), (100, 0)], material="steel", install_year=1999),
                         main("DI", [(0, 10), (100, 10)], material="ductile_iron")]).close()
    out = run("scope", "-r", registry_url, "--year", "2026")
    lines = out.splitlines()
    assert lines[1] == "待评估 assess: 0.200 km, 2 mains"
    assert "待评估 waiting for an assessment: 1 courtyard(s)" in out
    assert "steel in service 27 years (≥ 20), not yet assessed (需开展安全评估)" in out
