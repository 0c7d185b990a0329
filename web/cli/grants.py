"""`infracensus grants`: the SQL that splits a PostGIS deployment into its roles — the app
cannot rewrite the audit trail, readers cannot read logins (`registry.postgis_roles`).

    infracensus grants --app census_app --audit census_audit --reader census_reader > roles.sql
    psql -v ON_ERROR_STOP=1 -d city -f roles.sql      # as a superuser, once after init
"""
from __future__ import annotations

import click

from registry.postgis_roles import grants as grant_sql
from web.cli.options import clear_errors


@click.command()
@click.option("--app", default="census_app", show_default=True,
              help="The role the server logs in as (it ran `infracensus init`).")
@click.option("--audit", default="census_audit", show_default=True,
              help="The role that will own the append-only tables (no login).")
@click.option("--reader", default="census_reader", show_default=True,
              help="The read-only role of QGIS and publishing.")
@clear_errors
def grants(app: str, audit: str, reader: str) -> None:
    """Print the GRANT/REVOKE statements for a PostGIS registry's roles."""
    click.echo(grant_sql(app, audit, reader), nl=False)
