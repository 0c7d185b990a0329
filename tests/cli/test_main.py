"""The `infracensus` group: every command listed under its own name, loaded only when used."""
from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from web.cli.main import COMMANDS, cli


def test_help_lists_every_command_under_its_own_name() -> None:
    shown = CliRunner().invoke(cli, ["--help"]).output
    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name
        assert f"  {name} " in shown


def test_an_unknown_command_is_refused_by_name() -> None:
    result = CliRunner().invoke(cli, ["exprot"])
    assert result.exit_code == 2
    assert "No such command 'exprot'" in result.output


def test_export_starts_without_loading_the_web_app_or_the_importers() -> None:
    probe = ("import sys; from web.cli.main import cli; cli.get_command(None, 'export'); "
             "print(' '.join(m for m in ('flask', 'importers.pipeline', 'scipy') "
             "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []
