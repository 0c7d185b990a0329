"""`infracensus backup`: an online, consistent copy of the registry, safe while it serves.

    infracensus backup -r city.gpkg city-2026-03-01.gpkg
    infracensus backup -r postgresql://census@db/city city-2026-03-01.dump
"""
from __future__ import annotations

from pathlib import Path

import click

from registry.backup import backup as make_backup
from web.cli.options import clear_errors, registry_option


@click.command()
@registry_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@clear_errors
def backup(registry_url: str, target: Path) -> None:
    """Copy the registry to TARGET (a new file), consistent as of one moment."""
    written = make_backup(registry_url, target)
    click.echo(f"备份 Backup: {registry_url} → {written} ({written.stat().st_size:,} bytes)")
