"""`infracensus campaigns`: the seven campaigns' scores per street office, and who is called in.

>>> from click.testing import CliRunner
>>> "composite" in CliRunner().invoke(campaigns, ["--help"]).output
True
"""
from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from registry.cases import Cases
from registry.cases.bulletin import units_of
from registry.cases.campaigns import campaign_scores, load_scoring
from web.cases.tables import fmt_for, to_bytes
from web.cli.cases import last_month
from web.cli.options import clear_errors, open_registry, registry_option


@click.command()
@registry_option
@click.option("--month", default=None, metavar="YYYY-MM", help="Default: last month.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write a .csv or .xlsx file instead of printing.")
@clear_errors
def campaigns(registry_url: str, month: str | None, output: str | None) -> None:
    """Each street office's score in the seven campaigns (七大专项整治), the weighted composite
    score (综合得分), its rank and the streets to be called in (约谈), by the rules in
    layers/cases/campaigns.toml."""
    reg = open_registry(registry_url)
    cases = Cases(reg)
    month = month or last_month(cases)
    scoring = load_scoring(rules=cases.rules)
    table = campaign_scores(cases.all(), cases.rules, scoring, month,
                            units_of(reg, cases, "street"), tz=cases.rules.calendar.tz)
    labels = {"unit": "街道办事处", **{code: c.zh for code, c in scoring.campaigns.items()},
              "composite": "综合得分", "rank": "排名", "interview": "约谈"}
    shown = table[list(labels)].rename(columns=labels).assign(
        约谈=table["interview"].map({True: "约谈", False: ""}))
    if output is None:
        with pd.option_context("display.max_columns", None, "display.width", 250):
            click.echo(f"七大专项整治考评 {month}")
            click.echo(shown.to_string(index=False))
        return
    Path(output).write_bytes(to_bytes(shown, fmt_for(output), f"{month} campaigns"))
    click.echo(f"{output}: {len(shown)} street offices, {month}")
