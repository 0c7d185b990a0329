"""`infracensus demo`: build the demo city's registry from its bundled, messy surveys."""
from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import click
import geopandas as gpd

import registry
from importers.demo_surveys import BUILDINGS, write_demo_surveys
from importers.pipeline import import_survey
from registry import Change
from registry.cases.demo import generate as generate_cases
from registry.gas.buildings import load_buildings
from registry.users import Users
from web.cli.options import clear_errors
from web.cli.stats import print_stats

#: GB/T 2260 code of Shijiazhuang's city districts (市辖区): the demo covers four of them.
DEMO_COUNTY = "130100"
DEMO_USER = "demo"
LOGIN_FILE = "login.txt"


@click.command()
@click.option("--out", default="demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the surveys and the registry (city.gpkg).")
@click.option("--seed", default=2026, show_default=True, help="Seed of the survey generator.")
@click.option("--scale", default=1.0, show_default=True, help="Multiplies every asset count.")
@click.option("--rebuild", is_flag=True, help="Start again when the folder already has a registry.")
@clear_errors
def demo(out: str, seed: int, scale: float, rebuild: bool) -> None:
    """Write the demo surveys (GBK shapefile, GCJ-02 CSV, GK-zone GeoPackage, legacy GeoJSON,
    Excel) and import each into a new registry, printing every import report."""
    folder = Path(out)
    target = folder / "city.gpkg"
    if target.exists() and not rebuild:
        click.echo(f"{target} already built (use --rebuild to start again)")
        print_stats(registry.open(target), by_grid=False, as_csv=False)
        _print_login(folder / LOGIN_FILE)
        return
    if folder.exists():
        shutil.rmtree(folder)
    manifest = write_demo_surveys(folder / "surveys", seed=seed, scale=scale)
    reg = registry.create(target, county=DEMO_COUNTY, name="石家庄演示城市 Demo Shijiazhuang")
    for entry in manifest:
        click.echo(f"\n== {entry['file']} → {entry['layer']} ({reg.layers[entry['layer']].zh})")
        report = import_survey(reg, folder / "surveys" / entry["file"], entry["layer"],
                               who="demo", **entry.get("import", {}))
        click.echo(report.summary())
    _demo_buildings(reg, folder / "surveys" / BUILDINGS)
    _demo_cases(reg, seed, scale)
    click.echo(f"\n{target}:")
    print_stats(reg, by_grid=False, as_csv=False)
    _demo_login(reg, folder / LOGIN_FILE)


def _demo_login(reg: registry.Registry, where: Path) -> None:
    """An administrator for the demo, since the map asks for a login; the password is kept
    beside the demo registry (a local folder) so a second `make demo` can print it again."""
    password = secrets.token_urlsafe(9)
    Users(reg).add(DEMO_USER, password, ["admin"], by="demo", display_name="演示管理员")
    # Owner-only, like the auth store: the file holds an administrator's password.
    with open(os.open(where, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600), "w",
              encoding="utf-8") as file:
        file.write(f"{DEMO_USER} {password}\n")
    _print_login(where)


def _print_login(where: Path) -> None:
    user, password = where.read_text(encoding="utf-8").split()
    click.echo(f"\n登录 Log in as: {user} / {password}   (kept in {where})")


def _demo_buildings(reg: registry.Registry, path: Path) -> None:
    """The buildings the safety valves belong to: households for the gas isolation trace."""
    count = load_buildings(reg, gpd.read_file(path), Change(who="demo", source="import",
                                                            ref=path.name))
    click.echo(f"\n== {path.name}: buildings of {count} courtyards (楼栋, 户数)")


#: The months the demo's cases are reported in: the ranking compares the second with the first.
DEMO_MONTHS = ("2026-09", "2026-10")


def _demo_cases(reg: registry.Registry, seed: int, scale: float) -> None:
    """Cases: two months of reports worked by the city's departments (案件, 月度考评)."""
    click.echo(f"\n== cases {' '.join(DEMO_MONTHS)}: reports, deadlines, monthly ranking")
    reported = generate_cases(reg, DEMO_MONTHS, seed=seed, per_day=24.0 * min(scale, 1.0))
    click.echo(f"{reported} reports filed and worked; see `infracensus ranking --month "
               f"{DEMO_MONTHS[-1]}` or /cases/ranking")
