"""The `infracensus` console script: the group, logging flags and the list of commands.

>>> from click.testing import CliRunner
>>> "init" in CliRunner().invoke(cli, ["--help"]).output
True
"""
from __future__ import annotations

import importlib
import logging

import click

#: Every command, as "module:function" under web.cli; each module owns one command or group.
COMMANDS = [
    "init:init", "layers:layers", "query:query", "export:export", "history:history",
    "stats:stats", "serve:serve", "demo:demo", "import_cmd:import_survey", "copy:copy",
    "gas:gas", "cases:case", "cases:ranking", "plans:plan", "plans:package",
    "user:user", "audit:audit", "backup:backup", "restore:restore",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output.")
@click.option("-q", "--quiet", count=True, help="Less log output.")
def cli(verbose: int, quiet: int) -> None:
    """Infracensus: the city's infrastructure census and asset registry (基础设施普查与资产登记)."""
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    for entry in COMMANDS:
        module, _, name = entry.partition(":")
        cli.add_command(getattr(importlib.import_module(f"web.cli.{module}"), name))


_register()
