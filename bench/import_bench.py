"""Issue 3: survey imports end to end (`import_survey`), beside the I/O floor, with peak memory.

The bench city's assets are written once, as contractors deliver them (Chinese headers and
value spellings from `layers/*.toml`, EPSG:4547 or GK zone 38), and cached under
`bench/cache/`: drains as a GeoPackage, lamp posts as a GBK shapefile without .cpg or .prj,
safety valves as a CSV with X/Y columns in metres and the gas mains as old-style GeoJSON.
The million points are split over three layers because GB/T codes allow 999,999 assets per
class and county. Every import — and every floor — runs in a fresh spawned process, so its
peak RSS (``VmHWM``) is its own. Beside each import, in the same run:

- the I/O floor: a bare `pyogrio.read_arrow` plus `pyogrio.write_dataframe(...,
  use_arrow=True)` of what was read into a scratch GeoPackage;
- GDAL's own command, ``ogr2ogr -f GPKG`` of the file (a process, start-up included,
  peak memory from `os.wait4`).

Stages, in order, on one registry, the whole sequence `repeats` times on a fresh registry:
every point file into the empty registry (one process), the gas mains, a re-import of the
drains with the condition of every tenth row changed, and that file again, unchanged.

>>> edit_every_tenth(pd.Series([1, 5, 3] * 4)).tolist()
[2, 5, 3, 1, 5, 3, 1, 5, 3, 1, 1, 3]
"""
from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

import click
import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

import registry
from bench.cache import new_registry, remove
from bench.city import BenchCity
from bench.processes import own_peak_rss, run_measured
from bench.registry_bench import Bench
from bench.report import Figure, Row, table
from bench.timing import Timings
from importers.demo_city import CITY_CRS
from importers.demo_schema import header, id_header, spellings
from importers.demo_writers import (ZONE_38_CRS, write_gbk_shapefile, write_gpkg,
                                    write_legacy_geojson)
from importers.pipeline import import_survey
from registry.layers import Field, Layer

#: Bump when the survey files change: cached ones are then ignored.
SURVEY_VERSION = 2
#: Point layer → the file it is delivered in.
POINT_FILES = {"drains": "drains.gpkg", "lamp_posts": "lamp_posts.shp",
               "safety_valves": "safety_valves.csv"}
MAINS_FILE = "gas_mains.geojson"
#: The re-import: the drains with one attribute changed on every tenth row.
EDITED_LAYER, EDITED_FIELD, EDITED_FILE = "drains", "condition", "drains_edited.gpkg"
WHO = "bench"
OGR2OGR = shutil.which("ogr2ogr") or "ogr2ogr"
GIB = 1 << 30


@dataclass
class Survey:
    """One survey file and the layer it goes into."""

    path: Path
    layer: str
    records: int


@dataclass
class Measured:
    """What a child process reports: seconds per file, import counts, peak RSS and CPU time.

    CPU seconds read beside wall seconds show how much of a run waited on a busy machine.
    """

    seconds: list[float]
    counts: list[dict[str, int]]
    peak_bytes: int
    cpu_seconds: float


@dataclass
class Stage:
    """One step of the import sequence and what every repetition of it measured."""

    job: str
    surveys: list[Survey]
    target: str = "—"
    rate: float = 0.0
    ours: list[Measured] = field(default_factory=list)
    floor: list[Measured] = field(default_factory=list)
    ogr: list[Measured] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.surveys)


def import_job(b: Bench) -> list[Row]:
    """Time every import beside its peers; see the module docstring for the order."""
    folder = survey_files(b.city, b.scratch.parent)
    points = point_surveys(b.city, folder)
    mains = Survey(folder / MAINS_FILE, "gas_mains", len(b.city.mains))
    edited = Survey(folder / EDITED_FILE, EDITED_LAYER, points[0].records)
    n = sum(s.records for s in points)
    stages = [Stage(f"import {n:,} points in {len(points)} files (.gpkg, .shp, .csv) into an "
                    "empty registry", points, "≥ 150 k/s, ≤ 3× floor, peak < 2 GB", 150_000),
              Stage(f"import {mains.records:,} gas mains (.geojson)", [mains], "≤ 3× floor"),
              Stage(f"re-import {edited.records:,} drains, 10 % updated (.gpkg)", [edited],
                    "≥ 100 k/s, ≤ 3× floor", 100_000),
              Stage(f"re-import {edited.records:,} drains, unchanged (.gpkg)", [edited],
                    "≤ 3× floor")]
    reg_path = b.scratch / "import.gpkg"
    for _ in range(b.repeats):
        new_registry(reg_path, b.city).close()
        for stage in stages:
            measure_stage(b, stage, reg_path)
    remove(reg_path)
    b.notes.append(f"imports: the whole sequence {b.repeats} times, each on a fresh registry; "
                   "ogr2ogr writes a new GeoPackage per file (-f GPKG, start-up included)")
    rows = [_summary(stage) for stage in stages]
    return rows[:1] + _file_rows(stages[0]) + rows[1:]


def measure_stage(b: Bench, stage: Stage, reg_path: Path) -> None:
    """One repetition of a stage: ours, the floor and ogr2ogr, one after the other."""
    stage.ours.append(isolated(measure_imports, reg_path, stage.surveys))
    stage.floor.append(isolated(measure_floor, [s.path for s in stage.surveys]))
    stage.ogr.append(measure_ogr2ogr([s.path for s in stage.surveys], b.scratch))
    counts = _check(stage.surveys, stage.ours[-1])
    if len(stage.ours) == 1:  # the counts and CPU times of the first repetition
        b.notes += counts
        _note_cpu(b, stage.job, stage.ours[-1], stage.floor[-1])


def point_surveys(city: BenchCity, folder: Path) -> list[Survey]:
    """The three point files of the city's survey, each with its layer."""
    return [Survey(folder / name, layer, len(city.points[layer]))
            for layer, name in POINT_FILES.items()]


def _file_rows(stage: Stage) -> list[Row]:
    """One row per point file: its share of each repetition."""
    return [_shown(Row(f"import {s.records:,} {s.layer} ({s.path.suffix}) into an empty layer",
                       Figure("import_survey", _nth(stage.ours, i), s.records),
                       [Figure("read_arrow + Arrow write", _nth(stage.floor, i), s.records),
                        Figure("ogr2ogr -f GPKG", _nth(stage.ogr, i), s.records)]))
            for i, s in enumerate(stage.surveys)]


def _nth(runs: list[Measured], i: int) -> Timings:
    return Timings([m.seconds[i] for m in runs])


def _total(runs: list[Measured]) -> Timings:
    return Timings([sum(m.seconds) for m in runs])


def _peak(runs: list[Measured]) -> int:
    return max(m.peak_bytes for m in runs)


def _shown(row: Row) -> Row:
    """Echo a row on stderr as soon as it is measured: a long run that fails keeps it."""
    click.echo(table([row]).splitlines()[-1], err=True)
    return row


def _summary(stage: Stage) -> Row:
    """A stage's row: totals per repetition, peak memory in the labels, targets checked."""
    n, mine, base = stage.records, _total(stage.ours), _total(stage.floor)
    peak = _peak(stage.ours)
    met = (n / mine.p50 >= stage.rate and mine.p50 <= 3 * base.p50
           and ("peak" not in stage.target or peak < 2 * GIB))
    return _shown(Row(stage.job, Figure(f"import_survey, peak {_gib(peak)}", mine, n),
                      [Figure(f"read_arrow + Arrow write, peak {_gib(_peak(stage.floor))}",
                              base, n),
                       Figure(f"ogr2ogr -f GPKG, peak {_gib(_peak(stage.ogr))}",
                              _total(stage.ogr), n)],
                      target=stage.target, met=met))


def _check(surveys: list[Survey], ours: Measured) -> list[str]:
    """Every record accounted for; the counts, as notes.

    The bench city draws gas pressures without regard to the pressure class, so the
    validation rejects the mains whose pressure does not fit their class.
    """
    notes = []
    for survey, counts in zip(surveys, ours.counts):
        placed = sum(counts[k] for k in ("accepted", "updated", "unchanged", "duplicates",
                                         "rejected"))
        if placed != survey.records:
            raise RuntimeError(f"{survey.path.name}: {counts} for {survey.records} records")
        notes.append(f"{survey.path.name} → {survey.layer}: " +
                     ", ".join(f"{k} {v:,}" for k, v in counts.items() if v))
    return notes


def _note_cpu(b: Bench, job: str, ours: Measured, floor: Measured) -> None:
    b.notes.append(f"{job}: CPU {ours.cpu_seconds:.1f} s in {sum(ours.seconds):.1f} s wall "
                   f"(floor: CPU {floor.cpu_seconds:.1f} s in {sum(floor.seconds):.1f} s), "
                   "timed calls only")


def _gib(size: int) -> str:
    return f"{size / GIB:.2f} GB"


# -- child processes ---------------------------------------------------------------------
def isolated(fn: Callable[..., Measured], *args: Any) -> Measured:
    """`fn(*args)` in a freshly spawned process: its peak RSS is the job's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def measure_imports(reg_path: Path | str, surveys: list[Survey]) -> Measured:
    """`import_survey` of each file in turn into the registry at `reg_path` (a GeoPackage
    or a PostGIS URL)."""
    reg = registry.open(reg_path)
    seconds, counts, cpu = [], [], 0.0
    for survey in surveys:
        report, wall, used = _timed(partial(import_survey, who=WHO), reg, survey.path,
                                     survey.layer)
        seconds.append(wall)
        counts.append(report.counts())
        cpu += used
    reg.close()
    return Measured(seconds, counts, own_peak_rss(), cpu)


def measure_floor(paths: list[Path]) -> Measured:
    """Each file read with `pyogrio.read_arrow` and written back with Arrow: the I/O floor."""
    seconds, cpu = [], 0.0
    for path in paths:
        out = path.with_name(f"floor-{os.getpid()}.gpkg")
        _, wall, used = _timed(copy_arrow, path, out)
        seconds.append(wall)
        cpu += used
        remove(out)
    return Measured(seconds, [], own_peak_rss(), cpu)


def copy_arrow(path: Path, out: Path) -> None:
    """The bare read and write of a survey file."""
    meta, table = pyogrio.read_arrow(path, encoding=_encoding(path), **_open_options(path))
    frame = gpd.GeoDataFrame.from_arrow(table).set_crs(meta["crs"] or _stated_crs(path),
                                                       allow_override=True)
    pyogrio.write_dataframe(frame, out, use_arrow=True)


def measure_ogr2ogr(paths: list[Path], scratch: Path) -> Measured:
    """``ogr2ogr -f GPKG`` of each file into a new GeoPackage, told what the file does not say."""
    seconds, peak = [], 0
    out = scratch / "ogr2ogr.gpkg"
    for path in paths:
        remove(out)
        took, rss = run_measured(ogr2ogr_command(path, "GPKG", str(out)))
        seconds.append(took)
        peak = max(peak, rss)
    remove(out)
    return Measured(seconds, [], peak, 0.0)


def ogr2ogr_command(path: Path, driver: str, destination: str) -> list[str]:
    """``ogr2ogr`` of a survey file, told what the file does not say: the CSV's coordinate
    columns, the shapefile's encoding, and the CRS of both."""
    options = [arg for k, v in _open_options(path).items() for arg in ("-oo", f"{k}={v}")]
    if _encoding(path):
        options += ["-oo", "ENCODING=CP936"]
    crs = [] if path.suffix in (".gpkg", ".geojson") else ["-a_srs", _stated_crs(path)]
    return [OGR2OGR, "-f", driver, destination, str(path), *options, *crs]


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """`fn(*args)`'s result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _encoding(path: Path) -> str | None:
    return "gbk" if path.suffix == ".shp" else None  # the shapefile has no .cpg


def _open_options(path: Path) -> dict[str, str]:
    """GDAL's CSV driver is told which columns hold the coordinates."""
    return {"X_POSSIBLE_NAMES": "X", "Y_POSSIBLE_NAMES": "Y"} if path.suffix == ".csv" else {}


def _stated_crs(path: Path) -> str:
    """What the files without a CRS are in: the shapefile GK zone 38, the CSV EPSG:4547."""
    return ZONE_38_CRS if path.suffix == ".shp" else CITY_CRS


# -- the survey files --------------------------------------------------------------------
def survey_files(city: BenchCity, cache_dir: Path) -> Path:
    """The folder of survey files for this city, written on first use."""
    sizes = sum(len(f) for f in city.points.values()), len(city.mains)
    folder = cache_dir / f"surveys-p{sizes[0]}-m{sizes[1]}-s{city.seed}-v{SURVEY_VERSION}"
    if not folder.exists():
        building = folder.with_name(folder.name + ".part")
        building.mkdir(parents=True, exist_ok=True)
        write_surveys(city, building)
        building.rename(folder)
    return folder


def write_surveys(city: BenchCity, folder: Path) -> None:
    """Every file the jobs import, as contractors deliver them."""
    layers = registry.load_layers()
    frames = {name: delivered(layers[name], city.points[name]) for name in POINT_FILES}
    for name, file in POINT_FILES.items():
        _write(frames[name], folder / file, name)
    _write(delivered(layers["gas_mains"], city.mains), folder / MAINS_FILE, "gas_mains")
    edited = frames[EDITED_LAYER].copy()
    column = header(EDITED_LAYER, EDITED_FIELD)
    edited[column] = edit_every_tenth(edited[column])
    _write(edited, folder / EDITED_FILE, EDITED_LAYER)


def _write(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    if path.suffix == ".gpkg":
        write_gpkg(frame, path, layer, {})
    elif path.suffix == ".shp":
        write_gbk_shapefile(frame, path)
    elif path.suffix == ".csv":
        write_xy_csv(frame, path)
    else:
        write_legacy_geojson(frame, path)


def write_xy_csv(frame: gpd.GeoDataFrame, path: Path) -> None:
    """A UTF-8 CSV with X/Y columns in EPSG:4547 metres and no CRS stated, as surveyors'
    total-station exports come."""
    xy = shapely.get_coordinates(frame.geometry)
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["X"], table["Y"] = xy[:, 0].round(3), xy[:, 1].round(3)
    table.to_csv(path, index=False)


def delivered(layer: Layer, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A registry-shaped frame as a survey: Chinese headers and spellings, in EPSG:4547."""
    columns = {id_header(layer.name): frame["source_id"]}
    columns |= {header(layer.name, f.name): _spelled(layer, f, frame[f.name])
                for f in layer.fields if f.name in frame.columns}
    return gpd.GeoDataFrame(columns, geometry=frame.geometry, crs=frame.crs).to_crs(CITY_CRS)


def _spelled(layer: Layer, fld: Field, values: pd.Series) -> pd.Series:
    """Domain values in the layer file's usual survey spelling, where it has one."""
    if fld.values is None:
        return values
    usual = {v: (spellings(layer.name, fld.name, v) or [v])[0] for v in fld.values}
    return values.map(usual)


def edit_every_tenth(values: pd.Series) -> pd.Series:
    """A condition grade (1–5) changed on rows 0, 10, 20, …: the next grade round."""
    edited = values.copy()
    edited.iloc[::10] = values.iloc[::10] % 5 + 1
    return edited
