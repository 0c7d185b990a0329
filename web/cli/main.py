"""The `infracensus` console script: the group, logging flags and the list of commands.

>>> from click.testing import CliRunner
>>> "init" in CliRunner().invoke(cli, ["--help"]).output
True
"""
from __future__ import annotations

import importlib
import logging

import click

#: Every command by its name, as "module:function" under web.cli; each module owns one command
#: or group. A module is imported only when its command runs (or ``--help`` lists them all),
#: so `infracensus export` does not first load Flask, scipy and the importers.
COMMANDS = {
    "init": "init:init", "layers": "layers:layers", "query": "query:query",
    "export": "export:export", "history": "history:history", "stats": "stats:stats",
    "serve": "serve:serve", "demo": "demo:demo", "import": "import_cmd:import_survey",
    "copy": "copy:copy", "gas": "gas:gas", "case": "cases:case", "ranking": "cases:ranking",
    "plan": "plans:plan", "package": "plans:package", "user": "user:user",
    "audit": "audit:audit", "backup": "backup:backup", "restore": "restore:restore",
    "campaigns": "campaigns:campaigns",
    "batch": "batch:batch", "review": "review:review",
    "grants": "grants:grants",
}


class LazyCommands(click.Group):
    """A group whose commands are imported when asked for (click's documented lazy group)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, name = COMMANDS[cmd_name].partition(":")
        return getattr(importlib.import_module(f"web.cli.{module}"), name)


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output.")
@click.option("-q", "--quiet", count=True, help="Less log output.")
def cli(verbose: int, quiet: int) -> None:
    """Infracensus: the city's infrastructure census and asset registry (基础设施普查与资产登记)."""
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
