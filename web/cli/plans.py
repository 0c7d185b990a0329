"""`infracensus plan` (score, propose, show) and `infracensus package` (export, return,
conflicts, settle): repair plans by risk and the field crews' work packages.

>>> from click.testing import CliRunner
>>> "propose" in CliRunner().invoke(plan, ["--help"]).output
True
"""
from __future__ import annotations

from typing import Any

import click

from registry import Change, Query
from registry.plans import conflicts, packages, planner, returns, risk
from web.cli.options import (clear_errors, default_who, open_registry, parse_bbox,
                             registry_option, who_option)
from web.plans import files


@click.group()
def plan() -> None:
    """Repair plans ordered by risk (维修计划)."""


@plan.command("score")
@registry_option
@click.argument("layer")
@click.option("--top", default=10, show_default=True, help="How many of the riskiest to list.")
@click.option("--asset", "uuid", metavar="UUID", help="Explain one asset's score term by term.")
@clear_errors
def score_command(registry_url: str, layer: str, top: int, uuid: str | None) -> None:
    """List LAYER's riskiest assets, or explain one asset's score."""
    reg = open_registry(registry_url)
    if uuid:
        for t in risk.explain(reg, uuid):
            click.echo(f"{t['part']:<11} {t['term']:<11} value {t['value']!s:<12} "
                       f"weight {t['weight']:<6g} points {t['points']:g}")
        return
    table = risk.score(reg, layer).sort_values("score", ascending=False).head(top)
    for row in table.itertuples():
        click.echo(f"{row.score:8.2f}  {row.gbt_code}  {row.uuid}  grid {row.grid_code}")


@plan.command("propose")
@registry_option
@click.argument("layer")
@click.option("--where", help="A filter, e.g. \"condition >= 4\".")
@click.option("--bbox", help="minx,miny,maxx,maxy in lon/lat.")
@click.option("--grid", help="Only this responsibility grid (网格编码).")
@click.option("--budget", type=float, help="Budget in yuan (元).")
@click.option("--crew-days", type=float, help="Crew-days available.")
@click.option("--crews", help="Comma-separated crews; grids are shared among them.")
@click.option("--title", default="", help="The plan's title.")
@who_option
@clear_errors
def propose_command(registry_url: str, layer: str, where: str | None, bbox: str | None,
                    grid: str | None, budget: float | None, crew_days: float | None,
                    crews: str | None, title: str, who: str | None) -> None:
    """Propose a plan for LAYER's selected assets, riskiest first, within the limits."""
    reg = open_registry(registry_url)
    query = Query(layer, where=where, bbox=parse_bbox(bbox), grid=grid)
    made = planner.propose(reg, query, Change(who=default_who(who)), budget_yuan=budget,
                           crew_days=crew_days, title=title,
                           crews=[c.strip() for c in (crews or "").split(",") if c.strip()])
    _print_plan(made)


@plan.command("show")
@registry_option
@click.argument("plan_id", metavar="PLAN")
@clear_errors
def show_command(registry_url: str, plan_id: str) -> None:
    """Print a saved plan: its ordered tasks and its work packages."""
    _print_plan(planner.show(open_registry(registry_url), plan_id))


def _print_plan(made: dict[str, Any]) -> None:
    totals = made["totals"]
    click.echo(f"{made['id']} {made['title']}: {totals['tasks']} tasks 工单, "
               f"{totals['cost_yuan']:.0f} 元, {totals['crew_days']:.2f} crew-days 工日; "
               f"{made['left_out']['count']} left out 未纳入")
    for t in made["tasks"]:
        click.echo(f"{t['order']:4d}. {t['score']:8.2f}  {t['gbt_code']}  {t['action']:<10} "
                   f"grid {t['grid_code']}  → {t['package']}")
    for p in made["packages"]:
        click.echo(f"package 工作包 {p['id']}: crew {p['crew']}, grids {', '.join(p['grids'])},"
                   f" {p['tasks']} tasks")


@click.group()
def package() -> None:
    """Field crews' work packages (工作包): export, return, conflicts, settle."""


@package.command("export")
@registry_option
@click.argument("plan_id", metavar="PLAN")
@click.option("--crew", required=True, help="The crew whose package to export.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="pkg.geojson (GeoJSON) or pkg.gpkg (GeoPackage for QGIS/QField).")
@who_option
@clear_errors
def export_command(registry_url: str, plan_id: str, crew: str, output: str,
                   who: str | None) -> None:
    """Write CREW's work package of PLAN for the field."""
    reg = open_registry(registry_url)
    files.fmt_of(output)
    package_id = planner.package_of(reg, plan_id, crew)
    collection = packages.export(reg, package_id, default_who(who))
    files.write(collection, output)
    click.echo(f"{package_id}: {len(collection['features'])} tasks → {output}")


@package.command("return")
@registry_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--package", "package_id", help="The package expected (default: the file's).")
@who_option
@clear_errors
def return_command(registry_url: str, path: str, package_id: str | None,
                   who: str | None) -> None:
    """Bring a crew's returned PATH (.geojson or .gpkg) back into the registry."""
    reg = open_registry(registry_url)
    collection = files.read(path, [n for n, layer in reg.layers.items() if not layer.is_grid])
    target = package_id or str((collection.get("package") or {}).get("id") or "")
    done = returns.return_package(reg, target, collection, default_who(who))
    click.echo(f"{target}: {len(done['applied'])} applied 已入库, {len(done['added'])} added "
               f"新增, {len(done['conflicts'])} conflicts 冲突, {done['duplicates']} already "
               f"returned 重复, {done['untouched']} not done 未处理")
    for uuid in done["conflicts"]:
        click.echo(f"  conflict: {uuid} (infracensus package conflicts {target})")


@package.command("conflicts")
@registry_option
@click.argument("package_id", metavar="PACKAGE")
@clear_errors
def conflicts_command(registry_url: str, package_id: str) -> None:
    """List PACKAGE's held results side by side: exported, office and crew values."""
    held = conflicts.conflicts(open_registry(registry_url), package_id)
    if not held:
        click.echo(f"{package_id}: no conflicts 无冲突")
    for c in held:
        who = c["office_change"]
        click.echo(f"{c['uuid']} {c['gbt_code']}: exported v{c['exported_version']}, office "
                   f"v{c['office_version']} ({who['who']} {who['at']})")
        for f in c["fields"]:
            click.echo(f"  {f['label']:<12} exported {f['exported']!s:<10} office "
                       f"{f['office']!s:<10} crew {f['crew']}")


@package.command("settle")
@registry_option
@click.argument("package_id", metavar="PACKAGE")
@click.argument("uuid")
@click.argument("choice", type=click.Choice(conflicts.SIDES))
@who_option
@clear_errors
def settle_command(registry_url: str, package_id: str, uuid: str, choice: str,
                   who: str | None) -> None:
    """Settle the conflict on UUID in PACKAGE: keep the office's values or take the crew's."""
    reg = open_registry(registry_url)
    done = conflicts.settle(reg, package_id, uuid, choice, default_who(who))
    click.echo(f"{uuid}: settled for the {choice}; fields taken from the crew: "
               f"{', '.join(done['applied']) or 'none'}")
