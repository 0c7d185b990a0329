"""`infracensus copy`: move a whole registry to a new one, on either backend, verified.

    infracensus copy -r demo/city.gpkg postgresql://census@db.example/city
    infracensus copy -r postgresql://census@db.example/city city-copy.gpkg
    infracensus copy -r demo/city.gpkg postgresql://census@db.example/city --with-auth

Accounts, tokens and keys (the auth store) stay behind unless --with-auth.
"""
from __future__ import annotations

import sys

import click

from registry.copying import TableCheck, copy_registry
from registry.layers import load_layers
from registry.storage.rows import registry_tables
from web.cli.options import clear_errors, registry_option


@click.command()
@registry_option
@click.argument("destination", metavar="DEST")
@click.option("--with-auth", is_flag=True,
              help="Also copy the accounts, API tokens and keys (the auth store).")
@clear_errors
def copy(registry_url: str, destination: str, with_auth: bool) -> None:
    """Copy every table of the registry into DEST (a new .gpkg file or an empty PostGIS
    database), in one transaction, then check row counts and checksums table by table."""
    tables = registry_tables(list(load_layers()))
    with click.progressbar(length=len(tables), label="复制 Copying", file=sys.stderr) as bar:
        checks = copy_registry(registry_url, destination, progress=lambda table: bar.update(1),
                               with_auth=with_auth)
    click.echo(report(checks))
    if not all(check.ok for check in checks):
        raise click.ClickException(f"{destination} differs from {registry_url}: see the table")


def report(checks: list[TableCheck]) -> str:
    """The verification as an aligned table: table / rows / checksum / ok."""
    width = max(len(c.table) for c in checks)
    lines = [f"{'table':<{width}}  {'rows':>9}  {'checksum':<32}  ok"]
    lines += [f"{c.table:<{width}}  {c.rows:>9}  {c.checksum}  {'✓' if c.ok else '✗'}"
              for c in checks]
    return "\n".join(lines)
