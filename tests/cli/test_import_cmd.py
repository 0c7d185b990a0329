"""`infracensus import` as a data manager runs it."""
from __future__ import annotations

import getpass

from pathlib import Path

import pytest
from click.testing import CliRunner

import registry
from registry import Query
from web.cli.main import cli

CAMBRIDGE = dict(county="250017", metric_srid=26986, extent=(-71.2, 42.3, -71.0, 42.5))


@pytest.fixture
def city(registry_url: str) -> str:
    registry.create(registry_url, **CAMBRIDGE).close()
    return registry_url


@pytest.fixture
def cambridge(shared_data: Path) -> Path:
    return shared_data / "cambridge_ma"


def run(*args: str | Path) -> object:
    return CliRunner().invoke(cli, ["import", *map(str, args)])


def test_import_prints_the_report_and_writes_the_rejects_file(city, cambridge, tmp_path) -> None:
    rejects = tmp_path / "rejects.csv"
    result = run("-r", city, cambridge / "INFRA_Drainage.geojson", "--layer", "gas_mains", "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert "导入 Import: INFRA_Drainage.geojson → gas_mains (批次 batch " in result.output
    assert "新增 Accepted: 56\n" in result.output
    assert "疑似重复 Probable duplicates: 81\n" in result.output
    assert f"问题清单 Rejects file: {rejects} (81 problems)" in result.output
    assert rejects.read_text(encoding="utf-8-sig").count("within 1 m of row") == 81
    reg = registry.open(city)
    assert reg.count(Query("gas_mains")) == 56
    assert reg.batches()[0]["who"] == getpass.getuser()  # the login running it (issue 14)


def test_registry_from_the_environment_and_dry_run(city, cambridge) -> None:
    result = CliRunner(env={"INFRACENSUS_REGISTRY": city}).invoke(
        cli, ["import", str(cambridge / "INFRA_StreetLights.geojson"), "--layer", "lamp_posts",
              "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "新增 Accepted: 6116\n" in result.output
    assert result.output.rstrip().endswith("试运行 Dry run: nothing was written")
    assert registry.open(city).count(Query("lamp_posts")) == 0


def test_large_imports_show_a_progress_bar(city, cambridge) -> None:
    result = run("-r", city, cambridge / "INFRA_StreetLights.geojson", "--layer", "lamp_posts")
    assert result.exit_code == 0, result.output
    assert "写入 Writing" in result.stderr
    assert "写入 Writing" not in result.stdout


def test_mapping_file_option(city, cambridge, tmp_path) -> None:
    mapping = tmp_path / "grids.toml"
    mapping.write_text('[fields]\nN_HOOD = "source_id"\nNAME = "name"\n', encoding="utf-8")
    result = run("-r", city, cambridge / "BOUNDARY_CDDNeighborhoods.geojson", "--layer", "grids",
                 "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "字段 Columns: N_HOOD → source_id" in result.output


@pytest.mark.parametrize("args, message", [
    (["--layer", "sewers"], "Error: unknown layer 'sewers'; layers: "),
    (["--layer", "grids", "--mapping", "missing.toml"],
     "Error: mapping file missing.toml: cannot read it (No such file or directory)"),
    (["--layer", "grids", "--rejects", "out.xlsx"],
     "Error: rejects file out.xlsx: use a .csv or .geojson name"),
])
def test_errors_are_one_line_and_a_non_zero_exit(city, cambridge, args, message) -> None:
    result = run("-r", city, cambridge / "BOUNDARY_CDDNeighborhoods.geojson",
                 "--dry-run", *args)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_survey_file_is_one_line(city, tmp_path) -> None:
    result = run("-r", city, tmp_path / "nowhere.shp", "--layer", "drains")
    assert result.exit_code == 1
    assert result.output == "Error: nowhere.shp: no such survey file\n"
