"""`infracensus import`: import a contractor's survey file into one layer, as one batch.

    infracensus import -r city.gpkg 雨水箅子.shp --layer drains --rejects rejects.csv
    infracensus import -r city.gpkg 燃气管道.shp --layer gas_mains --plan   # review first
    infracensus import -r city.gpkg --rebatch 3f2a9c1e --mapping contractor-a.toml
"""
from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from importers.mapping_plan import plan_survey
from importers.pipeline import import_survey as run_import
from importers.rebatch import rebatch
from importers.report import check_rejects_path, write_rejects
from importers.sources import WEB_SYSTEMS
from web.cli.options import clear_errors, default_who, open_registry, registry_option, who_option

#: Writes of at least this many records show a progress bar.
PROGRESS_FROM = 5_000


class WriteProgress(ExitStack):
    """A progress bar on stderr that appears once a large write starts (small ones stay quiet)."""

    def __init__(self) -> None:
        super().__init__()
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if self.bar is None:
            self.bar = self.enter_context(click.progressbar(
                length=total, label="写入 Writing", file=sys.stderr))
        self.bar.update(done - self.shown)
        self.shown = done


@click.command("import")
@registry_option
@click.argument("survey", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--layer", default=None, help="The layer the survey feeds (drains, lamp_posts ...).")
@click.option("--rebatch", "rebatch_of", default=None, metavar="BATCH",
              help="Instead of SURVEY: import batch BATCH's archived file again (with "
                   "--mapping), as a new batch updating the same assets.")
@click.option("--encoding", default=None,
              help="Text encoding of the attributes (default: detected, e.g. GBK without .cpg).")
@click.option("--crs", default=None, metavar="EPSG:CODE",
              help="Coordinate system of the file, when it does not say or says wrong.")
@click.option("--coords", type=click.Choice(sorted(WEB_SYSTEMS)), default=None,
              help="Remove a Chinese web-map offset from lon/lat (GCJ-02 or BD-09).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file mapping columns ([fields]) and values ([values.FIELD]).")
@click.option("--x", "x_column", default=None, metavar="COL",
              help="The column holding x (longitude or easting), with --y.")
@click.option("--y", "y_column", default=None, metavar="COL",
              help="The column holding y (latitude or northing), with --x.")
@click.option("--gpkg-layer", default=None, help="Which layer of a multi-layer file to read.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every rejected or altered record to this .csv or .geojson file.")
@click.option("--accept-duplicates", "accept_duplicates", is_flag=False, flag_value="all",
              default=None, metavar="[ROW,ROW…]",
              help="Insert probable duplicates (within 1 m of an asset) instead of holding "
                   "them for review: all, or only the source rows listed.")
@click.option("--plan", is_flag=True,
              help="Propose the column mapping (field, why, confidence, values) and write it "
                   "as a mapping file to edit and pass back with --mapping; imports nothing.")
@click.option("--plan-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where --plan writes the mapping file (default: SURVEY.mapping.toml).")
@who_option
@clear_errors
def import_survey(registry_url: str, survey: Path | None, layer: str | None,
                  rebatch_of: str | None, encoding: str | None,
                  crs: str | None, coords: str | None, mapping: Path | None,
                  gpkg_layer: str | None, dry_run: bool, rejects: Path | None,
                  accept_duplicates: str | None, plan: bool, plan_out: Path | None,
                  who: str | None, x_column: str | None, y_column: str | None) -> None:
    """Import SURVEY (shapefile, GeoPackage, GeoJSON, CSV, Excel, zip ...) into a layer.

    The file is archived with its batch; `--rebatch BATCH` imports that archived file again.
    """
    if (x_column is None) != (y_column is None):
        raise click.UsageError("--x and --y go together: name both coordinate columns")
    xy = (x_column, y_column) if x_column and y_column else None
    _check_source(survey, layer, rebatch_of, encoding or crs or coords or gpkg_layer or xy)
    accepted = duplicate_rows(accept_duplicates)
    if plan or plan_out is not None:
        if survey is None or layer is None:
            raise click.UsageError("--plan reads a SURVEY for a --layer")
        out = plan_path(survey, plan_out)
        proposal = plan_survey(open_registry(registry_url), survey, layer, encoding=encoding,
                               crs=crs, coords=coords, mapping=mapping, gpkg_layer=gpkg_layer,
                               xy=xy)
        click.echo(proposal.to_text())
        write_plan(proposal.to_toml(), out)
        click.echo(f"映射文件 Mapping file: {out} (edit it, then import with --mapping {out})")
        return
    if rejects is not None:
        check_rejects_path(rejects)
    reg = open_registry(registry_url)
    with WriteProgress() as progress:
        if rebatch_of is not None:
            report = rebatch(reg, rebatch_of, who=default_who(who), mapping=mapping,
                             dry_run=dry_run, accept_duplicates=accepted,
                             progress=progress)
        else:
            assert survey is not None and layer is not None  # _check_source saw to it
            report = run_import(reg, survey, layer, who=default_who(who), encoding=encoding,
                                crs=crs, coords=coords, mapping=mapping,
                                gpkg_layer=gpkg_layer, dry_run=dry_run,
                                accept_duplicates=accepted, progress=progress, xy=xy)
    click.echo(report.summary())
    if rejects is not None:
        write_rejects(report, rejects)
        click.echo(f"问题清单 Rejects file: {rejects} ({len(report.problem_table)} problems)")


def plan_path(survey: Path, plan_out: Path | None) -> Path:
    """Where the proposed mapping file goes; the default name never overwrites an edited one."""
    out = plan_out or survey.with_name(f"{survey.stem}.mapping.toml")
    if plan_out is None and out.exists():
        raise click.ClickException(f"{out} exists (perhaps already edited): name the new "
                                   "mapping file with --plan-out")
    return out


def write_plan(text: str, out: Path) -> None:
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write the mapping file {out}: {exc.strerror}")


def _check_source(survey: Path | None, layer: str | None, rebatch_of: str | None,
                  reading: object) -> None:
    """A survey file and its layer, or --rebatch (which reads as the batch was read)."""
    if rebatch_of is None:
        if survey is None or layer is None:
            raise click.UsageError("give SURVEY and --layer (or --rebatch BATCH)")
        return
    if survey is not None or layer is not None or reading:
        raise click.UsageError("--rebatch reads the batch's archived file into its layer as "
                               "the batch read it: give no SURVEY, --layer, --encoding, "
                               "--crs, --coords or --gpkg-layer with it")


def duplicate_rows(value: str | None) -> bool | list[int]:
    """``--accept-duplicates``: absent (hold them all), bare (accept all) or ``ROW,ROW``.

    >>> duplicate_rows(None), duplicate_rows("all"), duplicate_rows("12, 40")
    (False, True, [12, 40])
    """
    if value is None:
        return False
    if value == "all":
        return True
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r}: give source rows as ROW,ROW (e.g. 12,40), or "
                                 "no value to accept every probable duplicate",
                                 param_hint="--accept-duplicates") from None
