"""GeoJSON export of 10,000 and 100,000 drains: `infracensus export` beside GDAL and geopandas.

Each size gets its own registry in the scratch folder holding that many of the city's drains
(the CLI exports a whole layer). The three commands a user would type run as processes, start-up
included, one after the other, `EXPORT_REPEATS` times; each process's peak memory comes from
`os.wait4`, and every file is checked to hold every feature.

- ours: ``infracensus export -r export.gpkg drains -o drains.geojson``;
- ``ogr2ogr -f GeoJSON drains.geojson export.gpkg drains -where "retired_at IS NULL"``;
- geopandas: ``read_file(...).to_file(..., driver="GeoJSON")`` (pyogrio, its default engine).

    python -m bench --only export
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from bench.cache import new_registry, remove
from bench.processes import run_measured
from bench.registry_bench import Bench
from bench.report import Figure, Row
from bench.timing import Timings
from bench.year import SURVEYED
from registry import Change

LAYER = "drains"
SIZES = (10_000, 100_000)
EXPORT_REPEATS = 5
ROOT = Path(__file__).resolve().parents[1]
GEOPANDAS = ("import sys, geopandas; geopandas.read_file(sys.argv[1], layer=sys.argv[2], "
             "where='retired_at IS NULL').to_file(sys.argv[3], driver='GeoJSON')")


class Peak(Timings):
    """Timings of whole processes, with the largest peak memory among them."""

    peak_bytes: int = 0

    def run(self, command: list[str]) -> None:
        seconds, peak = run_measured(command, env={"PYTHONPATH": str(ROOT)})
        self.samples.append(seconds)
        self.peak_bytes = max(self.peak_bytes, peak)

    def label(self, name: str) -> str:
        return f"{name}, peak {self.peak_bytes / 2 ** 30:.2f} GB"


def export_job(b: Bench) -> list[Row]:
    """One row per size: ours, ogr2ogr and geopandas on the same registry file."""
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        b.notes.append("GeoJSON export: ogr2ogr not installed (apt-get install gdal-bin); "
                       "its column is empty")
    b.notes.append(f"GeoJSON export: each command {EXPORT_REPEATS} times as a process "
                   "(start-up included), interleaved; every file checked to hold every feature")
    drains = len(b.city.points[LAYER])
    return [_export_row(b, n, ogr2ogr) for n in sorted({min(n, drains) for n in SIZES})]


def _export_row(b: Bench, n: int, ogr2ogr: str | None) -> Row:
    source = export_registry(b, n)
    out = b.scratch / "export.geojson"
    commands = {"infracensus export": [str(Path(sys.executable).parent / "infracensus"), "export",
                                       "-r", str(source), LAYER, "-o", str(out)]}
    if ogr2ogr is not None:  # the first peer: the ratio the last column reads
        commands["ogr2ogr -f GeoJSON"] = [ogr2ogr, "-f", "GeoJSON", str(out), str(source), LAYER,
                                          "-where", "retired_at IS NULL"]
    commands["geopandas read_file + to_file"] = [sys.executable, "-c", GEOPANDAS, str(source),
                                                 LAYER, str(out)]
    timings = {name: Peak() for name in commands}
    for repeat in range(EXPORT_REPEATS):
        for name, command in commands.items():
            out.unlink(missing_ok=True)
            timings[name].run(command)
            if repeat == 0:
                _check(name, out, n)
    out.unlink(missing_ok=True)
    remove(source)
    ours, *peers = (Figure(t.label(name), t) for name, t in timings.items())
    return Row(f"GeoJSON export of {n:,} {LAYER} to a file (command, start-up included)", ours,
               peers)


def export_registry(b: Bench, n: int) -> Path:
    """A registry holding the first `n` drains of the city and its grids."""
    path = b.scratch / f"export-{n}.gpkg"
    reg = new_registry(path, b.city)
    reg.add(LAYER, b.city.points[LAYER].iloc[:n], Change(who="bench", source="import",
                                                         at=SURVEYED))
    reg.close()
    return path


def _check(name: str, out: Path, n: int) -> None:
    found = len(json.loads(out.read_bytes())["features"])
    if found != n:
        raise RuntimeError(f"{name} wrote {found} features, not {n}")
