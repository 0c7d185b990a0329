"""`infracensus stats`: counts, km of mains and condition mix per layer and grid."""
from __future__ import annotations

import click
import pandas as pd

from registry import Registry
from registry.stats import TOTAL
from web.cli.options import clear_errors, open_registry, registry_option


@click.command()
@registry_option
@click.option("--by-grid", is_flag=True, help="One row per responsibility grid too.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@clear_errors
def stats(registry_url: str, by_grid: bool, as_csv: bool) -> None:
    """Summarise the registry: assets, km of line assets and condition per layer."""
    print_stats(open_registry(registry_url), by_grid, as_csv)


def print_stats(reg: Registry, by_grid: bool, as_csv: bool) -> None:
    """Print the statistics table of a registry."""
    table = reg.stats()
    if not by_grid:
        table = table[table["grid_code"] == TOTAL].drop(columns=["grid_code"])
    table = table.dropna(axis=1, how="all")
    if as_csv:
        click.echo(table.to_csv(index=False), nl=False)
        return
    with pd.option_context("display.max_columns", None, "display.width", 200):
        click.echo(table.astype(object).where(table.notna(), "").to_string(index=False))
