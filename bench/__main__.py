"""`python -m bench` (`make bench`): build (or reuse) the city-scale registry, run every job,
write `bench/results.md`.

    python -m bench                        # 1,000,000 points, 50,000 gas mains, every job
    python -m bench --points 100000 --only box --only nearest
"""
from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from bench import cache, report
from bench.city import bench_city, query_boxes
from bench.durability_bench import durability_job
from bench.export_bench import export_job
from bench.gas_bench import gas_job
from bench.import_bench import import_job
from bench.polygons_bench import polygons_job
from bench.postgis_bench import postgis
from bench.registry_bench import JOBS as REGISTRY_JOBS
from bench.registry_bench import Bench
from bench.returns_bench import returns_job
from bench.web_bench import web
from tests.postgis_server import find_bin_dir

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
T = TypeVar("T")
#: Every job, in running order: the registry's own queries, imports (they need no cached
#: registry), GeoJSON export, the gas module, a crew's returned work package, the web over
#: HTTP beside pygeoapi, PostGIS, and what durable GeoPackage commits cost.
JOBS = {**REGISTRY_JOBS, "import": import_job, "polygons": polygons_job, "export": export_job,
        "gas": gas_job, "returns": returns_job, "web": web, "postgis": postgis,
        "durability": durability_job}
#: Jobs that build their own registries, so need no cached one.
OWN_REGISTRY = ("add", "import", "polygons", "durability")


@click.command()
@click.option("--points", default=1_000_000, show_default=True, help="Point assets in all.")
@click.option("--mains", default=50_000, show_default=True, help="Gas-main segments.")
@click.option("--only", multiple=True, type=click.Choice(list(JOBS)),
              help="Run only this job (repeatable).")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path), default=HERE / "cache",
              show_default=True, help="Where the built registry is kept.")
@click.option("--boxes", default=1000, show_default=True, help="500 m boxes to query.")
@click.option("--repeats", default=2, show_default=True,
              help="Bulk adds and import sequences to time (each one is minutes at 1 M points; "
                   "the query jobs take hundreds of samples whatever this says).")
@click.option("--asof-boxes", default=5, show_default=True, help="Boxes for the as-of job.")
@click.option("--out", type=click.Path(path_type=Path), default=HERE / "results.md",
              show_default=True, help="The results file to write.")
def main(points: int, mains: int, only: tuple[str, ...], cache_dir: Path, boxes: int,
         repeats: int, asof_boxes: int, out: Path) -> None:
    """Time the registry beside its peers and write the results table."""
    setup: list[str] = []
    city = _step(setup, "generate the city", bench_city, points, mains)
    scratch = cache_dir / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    target = cache.cache_path(cache_dir, points, mains, city.seed)
    bench = Bench(city, target, scratch, query_boxes(city, boxes), repeats, asof_boxes)
    rows = []
    started = time.perf_counter()
    for name in [n for n in JOBS if not only or n in only]:
        if name not in OWN_REGISTRY and not target.exists():
            year = _step(setup, f"build the registry cache {target.name}", cache.ensure,
                         city, target, scratch)
            setup.append("a year of work in the cache: " +
                         ", ".join(f"{k} {v:,}" for k, v in year.items()))
        if name == "postgis" and find_bin_dir() is None:
            setup.append("job postgis skipped: PostgreSQL with PostGIS is not installed")
            continue
        rows += _step(setup, f"job {name}", JOBS[name], bench)
    setup.append(f"whole run: {(time.perf_counter() - started) / 60:.1f} min after the city "
                 "was generated")
    command = shlex.join(["python", "-m", "bench", *sys.argv[1:]])
    # A whole run into the committed results file also refreshes the README's copy of its table.
    whole = not only and out == HERE / "results.md"
    report.write(rows, command, setup + bench.notes, out, README if whole else None)


def _step(setup: list[str], what: str, fn: Callable[..., T], *args: Any) -> T:
    """Run one stage, saying so on stderr, and note how long it took."""
    click.echo(f"{what} ...", err=True)
    start = time.perf_counter()
    result = fn(*args)
    setup.append(f"{what}: {time.perf_counter() - start:.1f} s")
    return result


if __name__ == "__main__":
    main()
