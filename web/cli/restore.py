"""`infracensus restore`: put a backup back in place of the registry, in one atomic write.

    infracensus restore -r city.gpkg city-2026-03-01.gpkg --yes

A backup carrying triggers, views or functions the registry does not make is refused. The
live accounts stay unless --with-auth restores the backup's auth store too.
"""
from __future__ import annotations

from pathlib import Path

import click

from registry.backup import restore as put_back
from web.cli.options import clear_errors, registry_option


@click.command()
@registry_option
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the registry.")
@click.option("--with-auth", is_flag=True,
              help="Also put back the backup's auth store (accounts, tokens, keys).")
@clear_errors
def restore(registry_url: str, source: Path, yes: bool, with_auth: bool) -> None:
    """Replace the registry by the backup SOURCE (every change since the backup is lost)."""
    if not yes:
        click.confirm(f"Replace {registry_url} by {source}? Changes since the backup are lost",
                      abort=True)
    put_back(source, registry_url, with_auth=with_auth)
    click.echo(f"恢复 Restored: {source} → {registry_url}")
