"""Fixtures of the command tests: the demo city, built once per session by `infracensus demo`
exactly as a newcomer runs it (default scale and seed)."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli.main import cli


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo folder (surveys, city.gpkg, login.txt) and what the command printed."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output
