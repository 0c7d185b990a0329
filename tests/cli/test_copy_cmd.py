"""`infracensus copy` of the demo registry to PostGIS and back to a new GeoPackage, as a data
manager moving the bureau's registry runs it: every table verified by rows and checksum, the
same table both ways, and `infracensus stats` alike on all three registries."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from web.cli.main import cli

pytestmark = pytest.mark.postgis


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def verified(output: str) -> dict[str, tuple[int, str]]:
    """Table → (rows, checksum) from the table `copy` prints, each row marked ✓."""
    lines = output.splitlines()
    assert lines[0].split() == ["table", "rows", "checksum", "ok"]
    found = {}
    for line in lines[1:]:
        table, rows, checksum, ok = line.split()
        assert ok == "✓", line
        found[table] = (int(rows), checksum)
    return found


def test_the_demo_round_trips_through_postgis(demo: tuple[Path, str], postgis_url: str,
                                               tmp_path: Path) -> None:
    source, back = demo[0] / "city.gpkg", tmp_path / "back.gpkg"
    there = verified(run("copy", "-r", source, postgis_url).stdout)
    home = verified(run("copy", "-r", postgis_url, back).stdout)
    assert home == there
    assert all(rows > 0 for rows, _ in there.values())  # versions, events, cases, users …
    assert there["drains"][0] > 1000 and there["asset_versions"][0] > there["drains"][0]
    stats = [run("stats", "-r", where, "--by-grid").stdout for where in (source, postgis_url, back)]
    assert stats[1] == stats[0] and stats[2] == stats[0]
    assert "收水井" in stats[0]
