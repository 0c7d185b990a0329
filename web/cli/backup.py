"""`infracensus backup`: an online, consistent copy of the registry, safe while it serves.

    infracensus backup -r city.gpkg city-2026-03-01.gpkg
    infracensus backup -r postgresql://census@db/city city-2026-03-01.dump
    infracensus backup -r city.gpkg city-2026-03-01.gpkg --with-auth

The backup is created mode 0600. Accounts, tokens and keys (the auth store) are left out
unless --with-auth: then ``x.gpkg`` gets ``x.auth.sqlite`` beside it, or the dump includes
the auth schema. Keep such a backup as carefully as the server itself.
"""
from __future__ import annotations

from pathlib import Path

import click

from registry.backup import backup as make_backup
from web.cli.options import clear_errors, registry_option


@click.command()
@registry_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-auth", is_flag=True,
              help="Also back up the auth store (accounts, password hashes, tokens, keys).")
@clear_errors
def backup(registry_url: str, target: Path, with_auth: bool) -> None:
    """Copy the registry to TARGET (a new file), consistent as of one moment."""
    written = make_backup(registry_url, target, with_auth=with_auth)
    click.echo(f"备份 Backup: {registry_url} → {written} ({written.stat().st_size:,} bytes)")
