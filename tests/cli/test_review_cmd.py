"""`infracensus review list|accept|reject|edit` and `import --accept-duplicates ROW,ROW`."""
from __future__ import annotations

import getpass

from pathlib import Path

import pytest
from click.testing import CliRunner

import registry
from registry import Query
from web.cli.main import cli

SURVEY = ("编号,经度,纬度,井深\n"
          "YS1,114.500000,38.04,1.2\n"
          "YS2,114.500001,38.04,1.3\n"
          "YS3,114.520000,38.05,1.4\n"
          "YS4,114.520001,38.05,1.5\n"
          "YS5,114.530000,38.05,1.5\n"
          "YS6,114.530001,38.05,1.5\n")


def run(*args: str | Path) -> object:
    return CliRunner().invoke(cli, [*map(str, args)])


@pytest.fixture
def url(registry_url: str) -> str:
    registry.create(registry_url, county="130102").close()
    return registry_url


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    path = tmp_path / "收水井.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def ids(url: str) -> list[str]:
    reg = registry.open(url)
    found = sorted(reg.query(Query("drains"))["source_id"])
    reg.close()
    return found


def test_held_duplicates_are_listed_and_decided(url, survey) -> None:
    imported = run("import", "-r", url, survey, "--layer", "drains")
    assert imported.exit_code == 0, imported.output
    listed = run("review", "list", "-r", url)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 4 and lines[-1] == "3 item(s)"
    assert "row 2      疑似重复 duplicate  drains  YS2  geometry = 114.500001, 38.040000: " \
           "within 1 m of row 1 of this file" in lines[0]
    accepted = run("review", "accept", "-r", url, "2")
    assert accepted.exit_code == 0, accepted.output
    assert "1 item(s) of batch" in accepted.output and "accepted: rows 2" in accepted.output
    assert run("review", "reject", "-r", url, "4").exit_code == 0
    edited = run("review", "edit", "-r", url, "6", "--set", "depth_m=1.55")
    assert edited.exit_code == 0, edited.output
    assert ids(url) == ["YS1", "YS2", "YS3", "YS5", "YS6"]
    assert run("review", "list", "-r", url).output == "0 item(s)\n"
    decided = run("review", "list", "-r", url, "--status", "all").output
    assert f"[accepted {getpass.getuser()} " in decided and "[rejected " in decided and "[edited " in decided
    again = run("review", "accept", "-r", url, "2")
    assert again.exit_code == 1 and "Error: nothing to review" in again.output


def test_accept_duplicates_takes_rows(url, survey) -> None:
    result = run("import", "-r", url, survey, "--layer", "drains", "--accept-duplicates", "4,6")
    assert result.exit_code == 0, result.output
    assert "新增 Accepted: 5\n" in result.output
    assert ids(url) == ["YS1", "YS3", "YS4", "YS5", "YS6"]
    assert "1 item(s)" in run("review", "list", "-r", url).output
    wrong = run("import", "-r", url, survey, "--layer", "drains", "--accept-duplicates", "x")
    assert wrong.exit_code == 2 and "give source rows as ROW,ROW" in wrong.output


def test_a_bare_accept_duplicates_takes_them_all(url, survey) -> None:
    result = run("import", "-r", url, survey, "--layer", "drains", "--accept-duplicates")
    assert result.exit_code == 0, result.output
    assert len(ids(url)) == 6
    assert run("review", "list", "-r", url).output == "0 item(s)\n"
