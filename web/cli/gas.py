"""`infracensus gas`: the courtyard gas programme (庭院燃气管道改造, 燃气安全自闭阀).

``topology`` (network faults), ``scope`` (courtyards to renovate, scored), ``progress``
(against the year's targets; valves per building/courtyard/grid/district), ``isolate`` (valves
to close for a break), ``programme`` (a year's courtyards), ``valve`` (a line valve) and
``buildings`` (load a building survey).

>>> from click.testing import CliRunner
>>> "isolate" in CliRunner().invoke(gas, ["--help"]).output
True
"""
from __future__ import annotations

import json
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from registry import Change
from registry.gas.buildings import load_buildings
from registry.gas.isolation import isolate, trace_geojson
from registry.gas.network import build_network
from registry.gas.programme import LEVELS, plan_programme, programmes, progress, valve_rollup
from registry.gas.risk import courtyard_candidates, explain
from registry.gas.scope import BUCKETS, renovation_scope
from registry.gas.valves import save_valve
from web.cli.options import clear_errors, default_who, open_registry, registry_option, who_option
from web.gas.tables import faults_frame, flat_candidates, problems_frame, trace_table

csv_option = click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True),
                          help="Also write the table as CSV (UTF-8 with BOM, opens in Excel).")
geojson_option = click.option("--geojson", "geojson_path",
                              type=click.Path(dir_okay=False, writable=True),
                              help="Also write the result as GeoJSON (lon/lat).")


@click.group()
def gas() -> None:
    """Courtyard gas programme: topology, scope, progress, isolation (庭院燃气改造)."""


@gas.command()
@registry_option
@csv_option
@geojson_option
@clear_errors
def topology(registry_url: str, csv_path: str | None, geojson_path: str | None) -> None:
    """Build the network and list its faults (dangles, near misses, overlaps, self-loops,
    unfed parts, unconnected valves)."""
    net = build_network(open_registry(registry_url))
    summary = net.summary()
    click.echo(f"{summary['km']:.3f} km, {summary['segments']} mains, "
               f"{summary['components']} connected parts, {summary['feeds']} feed points")
    faults = faults_frame(net)
    _table(faults.drop(columns="geometry"), csv_path)
    if geojson_path:
        Path(geojson_path).write_text(faults.to_json(drop_id=True), encoding="utf-8")


@gas.command()
@registry_option
@click.option("--year", type=int, default=None, help="Judge ages as of this year (default: now).")
@click.option("--segments", is_flag=True, help="One row per main instead of per courtyard.")
@click.option("--explain", "explain_", is_flag=True, help="Explain each courtyard's score.")
@csv_option
@clear_errors
def scope(registry_url: str, year: int | None, segments: bool, explain_: bool,
          csv_path: str | None) -> None:
    """Mains in the renovation scope, by courtyard with their risk score; problems after."""
    reg = open_registry(registry_url)
    found = renovation_scope(reg, year=year)
    table = courtyard_candidates(reg, found)
    seg = found.segments
    for bucket, label in BUCKETS.items():
        chosen = seg[seg["bucket"] == bucket]
        click.echo(f"{label} {bucket}: {chosen['length_m'].sum() / 1000:.3f} km, "
                   f"{len(chosen)} mains")
    click.echo(f"of {seg['length_m'].sum() / 1000:.3f} km; replaced in {len(table)} courtyards")
    _table(seg if segments else flat_candidates(table), csv_path)
    if explain_:
        for row in table.to_dict("records"):
            click.echo(explain(row))
    waiting = found.to_assess()
    if len(waiting):
        click.echo(f"\n待评估 waiting for an assessment: {len(waiting)} courtyard(s)")
        click.echo(waiting.to_string(index=False))
    if found.problems:
        click.echo(f"\n{len(found.problems)} problem(s):")
        click.echo(problems_frame(found.problems).to_string(index=False))


@gas.command(name="progress")
@registry_option
@click.option("--year", type=int, required=True, help="The programme year.")
@click.option("--by", type=click.Choice(LEVELS), default=None,
              help="Also roll the safety valves up by this level.")
@csv_option
@clear_errors
def progress_cmd(registry_url: str, year: int, by: str | None, csv_path: str | None) -> None:
    """Km renovated and valves verified against the year's targets."""
    reg = open_registry(registry_url)
    report = progress(reg, year)
    for part in ("overall", "programme"):
        if report[part]:
            click.echo(f"{part}: " + ", ".join(f"{k} {v}" for k, v in report[part].items()))
    if not report["targets"]:
        click.echo(f"targets: none set for {year} (layers/gas/targets.toml or the programme)")
    else:
        click.echo("targets: " + ", ".join(
            f"{k} {v:.0%} ({'on track' if report['on_track'][k] else 'behind'})"
            for k, v in report["targets"].items()))
    if by:
        _table(valve_rollup(reg, by), csv_path)


@gas.command(name="isolate")
@registry_option
@click.option("--main", "uuid", default=None, help="UUID of the broken main.")
@click.option("--at", "at", default=None, metavar="LON,LAT", help="A point on the broken main.")
@csv_option
@geojson_option
@clear_errors
def isolate_cmd(registry_url: str, uuid: str | None, at: str | None, csv_path: str | None,
                geojson_path: str | None) -> None:
    """Valves to close for a break, the mains and households that lose gas."""
    reg = open_registry(registry_url)
    net = build_network(reg)
    answer = isolate(reg, uuid=uuid, lonlat=_lonlat(at), net=net)
    click.echo(f"close {len(answer['valves_to_close'])} valve(s); "
               f"{answer['length_without_gas_m']:.1f} m of mains and "
               f"{answer['households']} households lose gas "
               f"({answer['length_isolated_m']:.1f} m shut in)")
    _table(trace_table(answer), csv_path)
    if geojson_path:
        Path(geojson_path).write_text(json.dumps(trace_geojson(reg, net, answer),
                                                 ensure_ascii=False), encoding="utf-8")


@gas.command(name="programme")
@registry_option
@who_option
@click.argument("year", type=int, required=False)
@click.argument("courtyards", nargs=-1)
@click.option("--mains-target", type=float, default=None, help="Share of km due (0–1).")
@click.option("--valves-target", type=float, default=None, help="Share of valves due (0–1).")
@clear_errors
def programme_cmd(registry_url: str, who: str | None, year: int | None,
                  courtyards: tuple[str, ...], mains_target: float | None,
                  valves_target: float | None) -> None:
    """Put COURTYARDS into YEAR's programme; without courtyards, list the programmes."""
    reg = open_registry(registry_url)
    if courtyards and year is not None:
        targets = ({"mains": mains_target, "valves": valves_target}
                   if mains_target is not None and valves_target is not None else None)
        version = plan_programme(reg, year, list(courtyards), Change(who=default_who(who)),
                                 targets=targets)
        click.echo(f"programme {year}: {len(courtyards)} courtyard(s) (version {version})")
        return
    for plan in programmes(reg):
        if year is None or plan["year"] == year:
            click.echo(f"{plan['year']} (v{plan['version']}, targets {plan['targets']}): "
                       + "、".join(plan["courtyards"]))


@gas.command()
@registry_option
@who_option
@click.argument("key")
@click.option("--at", "at", required=True, metavar="LON,LAT", help="Where the valve sits.")
@click.option("--state", type=click.Choice(["open", "closed"]), default="open", show_default=True)
@click.option("--label", default="", help="A name crews know it by.")
@clear_errors
def valve(registry_url: str, who: str | None, key: str, at: str, state: str, label: str) -> None:
    """Record a line valve KEY on a main (or open/close it)."""
    lon, lat = _lonlat(at) or (0.0, 0.0)
    version = save_valve(open_registry(registry_url), key, lon, lat, state,
                         Change(who=default_who(who)), label)
    click.echo(f"valve {key}: {state} (version {version})")


@gas.command(name="buildings")
@registry_option
@who_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@clear_errors
def buildings_cmd(registry_url: str, who: str | None, path: str) -> None:
    """Load a building survey (楼栋 points with 小区, 楼栋, 户数) for households served."""
    survey = gpd.read_file(path)
    count = load_buildings(open_registry(registry_url), survey, Change(who=default_who(who),
                                                                       source="import", ref=path))
    click.echo(f"{len(survey)} buildings in {count} courtyards loaded")


def _lonlat(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not LON,LAT") from None
    return lon, lat


def _table(frame: pd.DataFrame, csv_path: str | None) -> None:
    with pd.option_context("display.max_columns", None, "display.width", 200,
                           "display.max_rows", 60):
        click.echo(frame.to_string(index=False) if len(frame) else "(none)")
    if csv_path:
        frame.to_csv(csv_path, index=False, encoding="utf-8-sig")
