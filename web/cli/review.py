"""`infracensus review`: what imports left for a person to decide, and deciding it.

    infracensus review list -r city.gpkg
    infracensus review accept -r city.gpkg 12 40          # insert the held duplicates
    infracensus review reject -r city.gpkg --batch 3f2a9c1e 57
    infracensus review edit -r city.gpkg 88 --set depth_m=1.35

ROWs are source rows of one batch (`--batch`, a UUID or its start; not needed when one batch
alone has open items); a decision takes every open item of the row.
"""
from __future__ import annotations

from typing import Any

import click

from registry import review as queue
from registry.change import Change
from web.cli.batch import local_time
from web.cli.options import clear_errors, default_who, open_registry, registry_option, who_option

KIND_LABELS = {queue.DUPLICATE: "疑似重复 duplicate", queue.FLAGGED: "待核字段 flagged"}
STATUSES = (queue.OPEN, queue.ACCEPTED, queue.REJECTED, queue.EDITED)

batch_option = click.option("--batch", "batch_id", default=None, metavar="BATCH",
                            help="The batch the rows belong to (default: the one with open items).")
rows_argument = click.argument("rows", nargs=-1, type=int, required=True)


@click.group()
def review() -> None:
    """The review queue (待审核): held duplicates and flagged fields of imports."""


@review.command("list")
@registry_option
@click.option("--status", type=click.Choice([*STATUSES, "all"]), default=queue.OPEN,
              show_default=True, help="Which items to list.")
@batch_option
@clear_errors
def list_items(registry_url: str, status: str, batch_id: str | None) -> None:
    """The review items, newest batch first, by source row."""
    reg = open_registry(registry_url)
    batch = queue.batch_of(reg, batch_id) if batch_id else None
    found = queue.items(reg, None if status == "all" else status, batch=batch)
    for item in found:
        decided = f"  [{item.status} {item.decided_by} {local_time(item.decided_at)}]" \
            if item.status != queue.OPEN else ""
        click.echo(f"{item.batch[:8]}  row {item.row:<6} {KIND_LABELS[item.kind]}  "
                   f"{item.layer}  {item.source_id or '-'}  {item.field or '-'} = "
                   f"{item.value!s}: {item.reason}{decided}")
    click.echo(f"{len(found)} item(s)")


def _decide(registry_url: str, batch_id: str | None, rows: tuple[int, ...], decision: str,
            who: str | None, edits: dict[str, Any] | None = None) -> None:
    reg = open_registry(registry_url)
    batch = queue.batch_of(reg, batch_id)
    done = queue.decide(reg, batch, rows, decision,
                        Change(who=default_who(who), why=f"review {decision}", source="review",
                               ref=batch), edits)
    click.echo(f"{len(done)} item(s) of batch {batch[:8]} {done[0].status}: rows "
               f"{', '.join(str(r) for r in dict.fromkeys(i.row for i in done))}")


@review.command("accept")
@registry_option
@batch_option
@rows_argument
@who_option
@clear_errors
def accept(registry_url: str, batch_id: str | None, rows: tuple[int, ...],
           who: str | None) -> None:
    """Accept ROWS: a held duplicate is inserted as a new asset; a flagged field stays as stored."""
    _decide(registry_url, batch_id, rows, "accept", who)


@review.command("reject")
@registry_option
@batch_option
@rows_argument
@who_option
@clear_errors
def reject(registry_url: str, batch_id: str | None, rows: tuple[int, ...],
           who: str | None) -> None:
    """Reject ROWS: nothing is written (a held duplicate is never inserted)."""
    _decide(registry_url, batch_id, rows, "reject", who)


@review.command("edit")
@registry_option
@batch_option
@rows_argument
@click.option("--set", "settings", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A value to write (repeat for several fields).")
@who_option
@clear_errors
def edit(registry_url: str, batch_id: str | None, rows: tuple[int, ...],
         settings: tuple[str, ...], who: str | None) -> None:
    """Edit ROWS: a held duplicate is inserted with these values; a flagged field's asset
    gets them (a new version)."""
    _decide(registry_url, batch_id, rows, "edit", who, parse_settings(settings))


def parse_settings(settings: tuple[str, ...]) -> dict[str, str]:
    """``FIELD=VALUE`` pairs (the registry converts each value to its field's type).

    >>> parse_settings(("depth_m=1.35", "road_name=中山路"))
    {'depth_m': '1.35', 'road_name': '中山路'}
    """
    out = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{setting!r}: give FIELD=VALUE", param_hint="--set")
        out[name.strip()] = value.strip()
    return out
