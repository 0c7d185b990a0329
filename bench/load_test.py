"""A bounded load test: simulated map users pan tiles and query items while an import runs.

    .venv/bin/python -m bench.load_test --users 50 --seconds 60 --assets 50000 --import-rows 100000

Three kinds of process on loopback: the server (the app with authentication required, under
gunicorn as deployed — ``--workers`` processes of 8 threads — or ``--werkzeug``, the
development server of ``infracensus serve``), an ``infracensus import`` of a large survey
into the same registry, and this process, whose threads are the users. Each user carries an
API token (as crews' apps do), pans to a random place, asks for the 3 × 3 tiles around it
on two layers, queries the items in that view, then looks at the map for ``--think``
seconds on average. Every answer must be 200; the latencies are printed as a Markdown table.
"""
from __future__ import annotations

import math
import os
import random
import socket
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
WERKZEUG = """
import sys
from werkzeug.serving import make_server
from web.app import create_app
app = create_app({"REGISTRY": sys.argv[1], "AUTH_REQUIRED": True})
make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()
"""
STARTUP_S = 60
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


def user(base: str, token: str, until: float, results: Results, seed: int,
         think: float) -> None:
    """One map user: pan, fetch the tiles in view, query the items in view, look, repeat."""
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
        time.sleep(rand.uniform(0, 2 * think))
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


def start_server(city: Path, port: int, workers: int) -> subprocess.Popen:
    """gunicorn (gthread) with `workers` processes, or werkzeug's server when 0."""
    if workers == 0:
        return start(WERKZEUG, str(city), str(port))
    env = {**os.environ, "INFRACENSUS_REGISTRY": str(city), "INFRACENSUS_AUTH_REQUIRED": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30",
         "--log-level", "warning", "web.app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            requests.get(f"{base}/auth/login", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start: {server.communicate()[1][-2000:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_users(base: str, tokens: list[str], seconds: float, think: float) -> Results:
    results, until = Results(), time.monotonic() + seconds
    threads = [threading.Thread(target=user, args=(base, t, until, results, i, think))
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
@click.option("--think", default=2.0, show_default=True,
              help="Mean seconds a user looks at the map between pans.")
@click.option("--workers", default=2, show_default=True,
              help="gunicorn worker processes (0: werkzeug's development server).")
def main(users: int, seconds: float, assets: int, import_rows: int, think: float,
         workers: int) -> None:
    """Run the load test and print the latency table."""
    with tempfile.TemporaryDirectory(prefix="infracensus-load-") as folder:
        city, tokens = build(Path(folder), assets, users)
        port = free_port()
        server, base = start_server(city, port, workers), f"http://127.0.0.1:{port}"
        wait_until_up(base, server)
        importer = start(IMPORT, "-r", str(city), str(survey(Path(folder), import_rows)),
                         "--layer", "drains")  # recorded as the OS login (issue 14)
        try:
            results = run_users(base, tokens, seconds, think)
        finally:
            imported = importer.communicate(timeout=3600)
            server.kill()
            server.communicate()
    server_name = f"gunicorn {workers}×8 threads" if workers else "werkzeug threaded"
    print(f"{users} users (think {think:.0f} s) for {seconds:.0f} s, {server_name}, over "
          f"{assets:,} drains and {assets:,} lamp posts; import of {import_rows:,} rows "
          f"meanwhile: exit {importer.returncode}")
    print(table(results))
    for kind, errors in results.errors.items():
        if errors:
            print(f"{kind}: {len(errors)} errors, first: {errors[0]}")
    if importer.returncode != 0:
        print(imported[1][-2000:])


if __name__ == "__main__":
    main()
