"""A bounded load test: simulated map users pan tiles and query items while an import runs.

    .venv/bin/python -m bench.load_test --users 50 --seconds 60 --assets 50000 --import-rows 100000

Three kinds of process on loopback: the server (the app with authentication required,
werkzeug threaded as ``infracensus serve`` runs it), an ``infracensus import`` of a large
survey into the same registry, and this process, whose threads are the users. Each user
logs nothing in but carries an API token (as crews' apps do), pans to a random place, asks
for the 3 × 3 tiles around it on two layers, then queries the items in that view. Every
answer must be 200; the latencies are printed as a Markdown table.
"""
from __future__ import annotations

import math
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import click
import geopandas as gpd
import numpy as np
import requests
import shapely

import registry
from registry import Change
from registry.users import Users

ROOT = Path(__file__).resolve().parents[1]
BOX = (114.40, 37.95, 114.65, 38.15)
LAYERS = ("drains", "lamp_posts")
SERVE = """
import sys
from werkzeug.serving import make_server
from web.app import create_app
app = create_app({"REGISTRY": sys.argv[1], "AUTH_REQUIRED": True})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""
IMPORT = ("from web.cli.import_cmd import import_survey; "
          "import_survey(prog_name='infracensus import')")


def build(folder: Path, assets: int, users: int) -> tuple[Path, list[str]]:
    """A registry with one grid, `assets` drains and lamp posts, and one token per user."""
    path = folder / "city.gpkg"
    reg = registry.create(path, county="130102")
    who = Change(who="load test")
    reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
                                      geometry=[shapely.box(*BOX)], crs=4490), who)
    rng = np.random.default_rng(1)
    for layer in LAYERS:
        points = shapely.points(rng.uniform(BOX[0], BOX[2], assets),
                                rng.uniform(BOX[1], BOX[3], assets))
        reg.add(layer, gpd.GeoDataFrame(geometry=points, crs=4490), who)
    accounts = Users(reg)
    accounts.add("viewer", "load-test-password", ["viewer"], by="load test")
    tokens = [accounts.issue_token("viewer", f"user {i}", by="load test") for i in range(users)]
    reg.close()
    return path, tokens


def survey(folder: Path, rows: int) -> Path:
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(BOX[0], BOX[2], rows), rng.uniform(BOX[1], BOX[3], rows)
    path = folder / "新增雨水箅子.csv"
    body = "\n".join(f"LT{i:07d},{x:.7f},{y:.7f}" for i, (x, y) in enumerate(zip(lon, lat)))
    path.write_text("编号,lon,lat\n" + body + "\n", encoding="utf-8")
    return path


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web Mercator tile holding a point."""
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


class Results:
    """Latencies (seconds) and failures per kind of request, shared by the user threads."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


def user(base: str, token: str, until: float, results: Results, seed: int) -> None:
    """One map user: pan, fetch the tiles in view, query the items in view, repeat."""
    rand, session = random.Random(seed), requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    while time.monotonic() < until:
        lon, lat = rand.uniform(BOX[0], BOX[2]), rand.uniform(BOX[1], BOX[3])
        z = rand.choice((14, 15, 16))
        x, y = tile_of(lon, lat, z)
        for layer in LAYERS:
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    fetch(session, results, "tile", f"{base}/tiles/{layer}/{z}/{x + dx}/{y + dy}.mvt")
        half = 360 / 2 ** z * 1.5
        bbox = f"{lon - half:.6f},{lat - half:.6f},{lon + half:.6f},{lat + half:.6f}"
        fetch(session, results, "items",
              f"{base}/ogcapi/collections/drains/items?bbox={bbox}&limit=100")
    session.close()


def fetch(session: requests.Session, results: Results, kind: str, url: str) -> None:
    started = time.perf_counter()
    try:
        answer = session.get(url, timeout=60)
        error = None if answer.status_code == 200 else f"{answer.status_code} {url}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__} {url}"
    results.add(kind, time.perf_counter() - started, error)


def table(results: Results) -> str:
    """The Markdown table of request counts, errors and latency percentiles."""
    lines = ["| request | count | errors | p50 ms | p95 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|"]
    for kind in sorted(results.latency):
        ms = np.array(results.latency[kind]) * 1000
        lines.append(f"| {kind} | {len(ms)} | {len(results.errors[kind])} | "
                     f"{np.percentile(ms, 50):.0f} | {np.percentile(ms, 95):.0f} | {ms.max():.0f} |")
    return "\n".join(lines)


def start(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_users(base: str, tokens: list[str], seconds: float) -> Results:
    results, until = Results(), time.monotonic() + seconds
    threads = [threading.Thread(target=user, args=(base, t, until, results, i))
               for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@click.command()
@click.option("--users", default=50, show_default=True, help="Simulated map users at once.")
@click.option("--seconds", default=60.0, show_default=True, help="How long they pan.")
@click.option("--assets", default=50_000, show_default=True, help="Drains and lamp posts each.")
@click.option("--import-rows", default=100_000, show_default=True,
              help="Rows of the survey imported meanwhile.")
def main(users: int, seconds: float, assets: int, import_rows: int) -> None:
    """Run the load test and print the latency table."""
    with tempfile.TemporaryDirectory(prefix="infracensus-load-") as folder:
        city, tokens = build(Path(folder), assets, users)
        server = start(SERVE, str(city))
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        importer = start(IMPORT, "-r", str(city), str(survey(Path(folder), import_rows)),
                         "--layer", "drains", "--who", "load test")
        try:
            results = run_users(base, tokens, seconds)
        finally:
            imported = importer.communicate(timeout=3600)
            server.kill()
            server.communicate()
    print(f"{users} users for {seconds:.0f} s over {assets:,} drains and {assets:,} lamp posts; "
          f"import of {import_rows:,} rows meanwhile: exit {importer.returncode}")
    print(table(results))
    for kind, errors in results.errors.items():
        if errors:
            print(f"{kind}: {len(errors)} errors, first: {errors[0]}")
    if importer.returncode != 0:
        print(imported[1][-2000:])


if __name__ == "__main__":
    main()
