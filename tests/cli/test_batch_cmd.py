"""`infracensus batch list|show|remap` and `infracensus import --rebatch` as a data manager
types them."""
from __future__ import annotations

import getpass

import json
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

import registry
from registry import Query
from web.cli.main import cli

SURVEY = ("编号,经度,纬度,H1,备注\n"
          "YS001,114.5012,38.0401,1.2,井盖松动\n"
          "YS002,114.5031,38.0422,0.95,\n")


def run(*args: str | Path) -> object:
    return CliRunner().invoke(cli, [*map(str, args)])


@pytest.fixture
def imported(registry_url: str, tmp_path: Path) -> tuple[str, str, Path]:
    """A registry with one imported survey: (url, batch uuid, mapping file for H1)."""
    registry.create(registry_url, county="130102").close()
    survey = tmp_path / "收水井.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    result = run("import", "-r", registry_url, survey, "--layer", "drains")
    assert result.exit_code == 0, result.output
    reg = registry.open(registry_url)
    batch = reg.batches()[0]["batch_uuid"]
    reg.close()
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nH1 = "depth_m"\n', encoding="utf-8")
    return registry_url, batch, mapping


def test_batch_list_and_show(imported) -> None:
    url, batch, _ = imported
    listed = run("batch", "list", "-r", url)
    assert listed.exit_code == 0, listed.output
    line = listed.output.splitlines()[0]
    assert line.startswith(f"{batch[:8]}  ") and f"{getpass.getuser()}  drains  收水井.csv  入库 2 更新 0" in line
    shown = run("batch", "show", "-r", url, batch[:8])
    assert shown.exit_code == 0, shown.output
    assert f"批次 Batch: {batch}\n" in shown.output
    assert f"存档 Archived: yes, {len(SURVEY.encode())} bytes (file)\n" in shown.output
    assert "(北京时间)" in shown.output


def test_import_rebatch_with_a_mapping_updates_the_same_assets(imported) -> None:
    url, batch, mapping = imported
    result = run("import", "-r", url, "--rebatch", batch[:8], "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "更新 Updated: 2\n" in result.output and "新增 Accepted: 0\n" in result.output
    assert "字段 Columns: H1 → depth_m" in result.output
    reg = registry.open(url)
    drains = reg.query(Query("drains")).set_index("source_id")
    assert drains.loc[["YS001", "YS002"], "depth_m"].tolist() == [1.2, 0.95]
    assert json.loads(drains.loc["YS001", "source_attributes"])["H1"] == "1.2"
    reg.close()
    listed = run("batch", "list", "-r", url).output.splitlines()
    assert listed[0].endswith(f"(re-mapped from {batch[:8]})")


def test_batch_remap_dry_run_writes_nothing(imported) -> None:
    url, batch, mapping = imported
    result = run("batch", "remap", "-r", url, batch, "--mapping", mapping, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "更新 Updated: 2\n" in result.output
    assert "试运行 Dry run: nothing was written" in result.output
    assert len(run("batch", "list", "-r", url).output.splitlines()) == 1


def test_rebatch_refuses_a_survey_beside_it_and_unknown_batches(imported, tmp_path) -> None:
    url, batch, mapping = imported
    both = run("import", "-r", url, tmp_path / "收水井.csv", "--rebatch", batch)
    assert both.exit_code == 2 and "give no SURVEY, --layer" in both.output
    unknown = run("batch", "remap", "-r", url, "0000000")
    assert unknown.exit_code == 1
    assert "Error: no import batch '0000000' (see `infracensus batch list`)" in unknown.output
    neither = run("import", "-r", url, "--layer", "drains")
    assert neither.exit_code == 2 and "give SURVEY and --layer (or --rebatch BATCH)" in \
        neither.output


def test_history_and_exports_show_what_the_survey_said(imported, tmp_path) -> None:
    url, _, _ = imported
    changed = tmp_path / "收水井.csv"
    changed.write_text(SURVEY.replace("井盖松动", "井盖已更换"), encoding="utf-8")
    assert run("import", "-r", url, changed, "--layer", "drains").exit_code == 0
    reg = registry.open(url)
    uuid = reg.query(Query("drains", where="source_id = 'YS001'"))["uuid"].iloc[0]
    reg.close()
    shown = run("history", "-r", url, uuid)
    assert shown.exit_code == 0, shown.output
    assert "source_attributes.备注: 井盖松动 → 井盖已更换" in shown.output.splitlines()[-2]
    for name in ("drains.parquet", "drains.geojson", "drains.csv"):
        out = tmp_path / name
        assert run("export", "-r", url, "drains", "-o", out).exit_code == 0
    frame = gpd.read_parquet(tmp_path / "drains.parquet").set_index("source_id")
    assert json.loads(frame.loc["YS001", "source_attributes"]) == {
        "编号": "YS001", "经度": "114.5012", "纬度": "38.0401", "H1": "1.2", "备注": "井盖已更换"}
    features = json.loads((tmp_path / "drains.geojson").read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["source_attributes"]["编号"] for f in features} == {"YS001", "YS002"}
    assert '"{""编号"":""YS001""' in (tmp_path / "drains.csv").read_text(encoding="utf-8-sig")
