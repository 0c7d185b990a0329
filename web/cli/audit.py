"""`infracensus audit`: list the audit trail (logins, user and role changes, web writes,
imports), newest first.

    infracensus audit -r city.gpkg --who wang --since 2026-03-01
"""
from __future__ import annotations

import click
import orjson

from registry import audit as trail
from web.cli.options import clear_errors, open_registry, registry_option


@click.command()
@registry_option
@click.option("--who", default=None, help="Only this user's entries.")
@click.option("--action", default=None, help="Only this action (login, user.roles, import ...).")
@click.option("--since", default=None, metavar="DATE", help="Only entries from DATE (UTC) on.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@clear_errors
def audit(registry_url: str, who: str | None, action: str | None, since: str | None,
          limit: int, as_json: bool) -> None:
    """List the audit trail."""
    entries = trail.trail(open_registry(registry_url), who=who, action=action, since=since,
                          limit=limit)
    for entry in entries:
        click.echo(orjson.dumps(entry, default=str).decode() if as_json else line(entry))


def line(entry: dict) -> str:
    """One entry as a line: time, who, address, action, target, then what changed.

    >>> line({"at": "2026-03-01T08:00:00.000Z", "who": "wang", "address": None,
    ...       "action": "login", "target": "user:wang", "before": None, "after": None,
    ...       "detail": {}})
    '2026-03-01T08:00:00.000Z  wang  -  login  user:wang'
    """
    parts = [entry["at"], entry["who"], entry.get("address") or "-", entry["action"],
             entry.get("target") or "-"]
    for key in ("detail", "before", "after"):
        if entry.get(key):
            parts.append(f"{key}={orjson.dumps(entry[key], default=str).decode()}")
    return "  ".join(parts)
