"""`infracensus case report|show|list|move` and `infracensus ranking`: cases from the shell.

>>> from click.testing import CliRunner
>>> "report" in CliRunner().invoke(case, ["--help"]).output
True
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import pandas as pd

from registry import Change
from registry.cases import Case, Cases, Photo, Report
from registry.cases.workflow import next_moves
from registry.cases.bulletin import live_ranking, publish, published, units_of
from registry.cases.evaluation import UNITS, latest_month, previous_month
from registry.change import utc_now
from web.cases.tables import fmt_for, ranking_table, to_bytes
from web.cli.options import (clear_errors, default_who, open_registry, registry_option,
                             who_option)

_LIST_COLUMNS = ["id", "state", "category", "grid_code", "department", "deadline", "overdue"]


@click.group()
def case() -> None:
    """Report problems and move cases through their life cycle (案件)."""


@case.command("report")
@registry_option
@click.option("--category", required=True, help="Category code (layers/cases/categories.toml).")
@click.option("--lon", type=float, required=True, help="Longitude (CGCS2000).")
@click.option("--lat", type=float, required=True, help="Latitude (CGCS2000).")
@click.option("-d", "--description", default="", help="What the inspector saw.")
@click.option("--photo", "photos", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A JPEG/PNG/WebP photo (repeatable, ≤ 1 MB each).")
@click.option("--source", default="supervisor", show_default=True,
              help="案件来源: a key of [sources] in layers/cases/categories.toml "
                   "(supervisor, hotline_12345, hotline_12319, media, leadership, other).")
@who_option
@clear_errors
def report(registry_url: str, category: str, lon: float, lat: float, description: str,
           photos: tuple[str, ...], source: str, who: str | None) -> None:
    """Report a problem at LON, LAT: the case finds its grid, department and asset."""
    cases = Cases(open_registry(registry_url))
    sent = [Photo(Path(p).read_bytes(), Path(p).name) for p in photos]
    found = cases.report(Report(category, lon, lat, description, sent, source),
                         Change(who=default_who(who), source="case"))
    click.echo(f"case {found.id}: {cases.rules.category(category).zh} in {found.grid_name} "
               f"({found.grid_code}) → {found.department}"
               + (f"; asset {found.asset_uuid} at {found.asset_distance_m} m"
                  if found.asset_uuid else ""))


@case.command("show")
@registry_option
@click.argument("case_id")
@clear_errors
def show(registry_url: str, case_id: str) -> None:
    """Print one case, its clock and every move it went through."""
    cases = Cases(open_registry(registry_url))
    found = cases.get(case_id)
    for key, value in found.summary(utc_now()).items():
        if key not in ("photos", "pauses") and value not in (None, "", []):
            click.echo(f"{key:18} {value}")
    click.echo(f"{'photos':18} {len(found.photos)}")
    if found.request:
        ask = found.request
        click.echo(f"{'request':18} {ask['move']} by {ask['by']} at {ask['at']}: {ask['reason']}")
    moves = next_moves(found.state, pending=found.request is not None)
    click.echo(f"{'next moves':18} {', '.join(moves) or '—'}")
    click.echo("history:")
    for entry in cases.history(case_id):
        note = f"  {entry['note']}" if entry.get("note") else ""
        click.echo(f"  {entry['at']}  {entry['who']:8} {entry['move']:15} → {entry['to']}{note}")


@case.command("list")
@registry_option
@click.option("--state", default=None, help="Only cases in this state (e.g. dispatched).")
@click.option("--grid", default=None, help="Only cases of this grid code.")
@click.option("--department", default=None, help="Only cases of this department.")
@click.option("--category", default=None, help="Only cases of this category code.")
@click.option("--overdue", is_flag=True, help="Only cases past their deadline, not handled.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@clear_errors
def list_cases(registry_url: str, state: str | None, grid: str | None, department: str | None,
               category: str | None, overdue: bool, as_csv: bool) -> None:
    """List cases, newest first."""
    now = utc_now()
    found = Cases(open_registry(registry_url)).find(
        state=state, grid_code=grid, department=department, category=category,
        overdue=True if overdue else None, now=now)
    click.echo(_table(found, now, as_csv), nl=False)


def _table(found: list[Case], now: datetime, as_csv: bool) -> str:
    rows = pd.DataFrame([c.summary(now) for c in found],
                        columns=list(Case.__dataclass_fields__) + ["overdue"])[_LIST_COLUMNS]
    if as_csv:
        return rows.to_csv(index=False)
    return (rows.fillna("").to_string(index=False) if len(rows) else "no cases") + "\n"


@case.command("move")
@registry_option
@click.argument("case_id")
@click.argument("move")
@click.option("--note", default="", help="Why (recorded in the journal).")
@click.option("--hours", type=float, default=0.0, help="Working hours an extension adds.")
@click.option("--expect-version", type=int, default=None,
              help="Refuse if the case is no longer at this version.")
@who_option
@clear_errors
def move(registry_url: str, case_id: str, move: str, note: str, hours: float,
         expect_version: int | None, who: str | None) -> None:
    """Apply MOVE (register, dispatch, handle, verify, close, rework, suspend, resume,
    extend, close_abnormal, discard) to a case."""
    moved = Cases(open_registry(registry_url)).move(
        case_id, move, Change(who=default_who(who), source="case"),
        expected_version=expect_version, note=note, extra_hours=hours)
    click.echo(f"case {moved.id}: {moved.state_label} ({moved.state}), version {moved.version}"
               + (f", deadline {moved.deadline}" if moved.deadline else ""))


@case.command("follow-up")
@registry_option
@click.argument("case_id")
@click.option("--satisfied/--unsatisfied", required=True, help="What the citizen said.")
@click.option("--note", default="", help="What was said on the call.")
@who_option
@clear_errors
def follow_up(registry_url: str, case_id: str, satisfied: bool, note: str,
              who: str | None) -> None:
    """Record the 回访 of a citizen's closed case (12345/12319 and other citizen sources)."""
    done = Cases(open_registry(registry_url)).follow_up(
        case_id, satisfied, Change(who=default_who(who), source="case"), note)
    click.echo(f"case {done.id}: 回访 {'满意 satisfied' if satisfied else '不满意 unsatisfied'}")


@click.command()
@click.argument("action", required=False, default="show", type=click.Choice(["show", "publish"]))
@registry_option
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Default: the newest ended month with cases.")
@click.option("--by", type=click.Choice(list(UNITS)), default="grid", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write a .csv or .xlsx file instead of printing.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@who_option
@clear_errors
def ranking(action: str, registry_url: str, month: str | None, by: str, output: str | None,
            lang: str, who: str | None) -> None:
    """The monthly evaluation (月度考评) per grid, street office or department, ranked.

    `ranking publish` freezes the month as its 考评通报: from then on the month shows the
    published figures, which never change; later corrections appear in the next bulletin.
    """
    reg = open_registry(registry_url)
    cases = Cases(reg)
    month = month or last_month(cases)
    if action == "publish":
        done = publish(cases, month, by, Change(who=default_who(who), source="case"))
        click.echo(f"考评通报 {month} by {by} published: {len(done.rows)} units, "
                   f"{sum(r['rank'] is not None for r in done.rows)} ranked, "
                   f"{len(done.corrections)} corrections to {previous_month(month)}")
        return
    frozen = published(reg, month, by)
    figures = frozen.table() if frozen else live_ranking(cases, month, by,
                                                          units_of(reg, cases, by))
    table = ranking_table(figures, by, lang)
    if output is None:
        if frozen:
            click.echo(f"已发布 published {frozen.published_at} by {frozen.published_by}")
        with pd.option_context("display.max_columns", None, "display.width", 250):
            click.echo(table.astype(object).where(table.notna(), "—").to_string(index=False))
        return
    Path(output).write_bytes(to_bytes(table, fmt_for(output), f"{month} {by}"))
    click.echo(f"{output}: {len(table)} rows, {month} by {by}")


def last_month(cases: Cases) -> str:
    """The newest ended month with cases (else the last month), in the city's time."""
    return latest_month(cases.all(), utc_now(), cases.rules.calendar.tz)
