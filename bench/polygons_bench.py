"""Issue 13, item 8: 3,000 adjacent polygons of ~1,000 vertices each, imported beside GDAL.

The file is a block of responsibility-grid cells (责任网格) in EPSG:4547, as a contractor's
GeoPackage: 60 m squares sharing their edges, each side densified so a cell has
`VERTICES` vertices. Every cell touches up to eight others, so the duplicate check meets
~8 candidate pairs a cell, none of them a duplicate. The job times `import_survey` of the
file into a fresh GeoPackage registry, in its own process, beside ``ogr2ogr -f GPKG`` of
the same file, `repeats` times each, interleaved, and prints the ratio.

``BENCH_POLYGONS`` sets the number of cells (the smoke test runs a few hundred).

>>> cells = adjacent_cells(6, 40)
>>> len(cells), int(shapely.get_num_coordinates(cells[0]))
(6, 41)
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

import registry
from bench.import_bench import Measured, _shown, isolated, measure_ogr2ogr
from bench.processes import own_peak_rss
from bench.registry_bench import Bench
from bench.report import Figure, Row
from bench.timing import Timings
from importers.pipeline import import_survey

CELLS = 3000
VERTICES = 1000
#: The cell side, metres, and the block's south-west corner in EPSG:4547 (central Shijiazhuang).
SIDE_M = 60.0
ORIGIN = (544_000.0, 4_209_000.0)
TARGET_RATE = 1000


def cell_count() -> int:
    return int(os.environ.get("BENCH_POLYGONS", CELLS))


def adjacent_cells(n: int, vertices: int = VERTICES) -> np.ndarray:
    """`n` squares in rows of 60, sharing edges, each ring `vertices` + 1 points long."""
    per_side = vertices // 4
    t = np.arange(per_side) / per_side
    unit = np.concatenate([np.column_stack([t, np.zeros_like(t)]),
                           np.column_stack([np.ones_like(t), t]),
                           np.column_stack([1 - t, np.ones_like(t)]),
                           np.column_stack([np.zeros_like(t), 1 - t])])
    ring = np.vstack([unit, unit[:1]]) * SIDE_M
    i = np.arange(n)
    corners = np.column_stack([ORIGIN[0] + (i % 60) * SIDE_M, ORIGIN[1] + (i // 60) * SIDE_M])
    coords = ring[None, :, :] + corners[:, None, :]
    return shapely.polygons(coords)


def write_cells(path: Path, n: int) -> Path:
    """The contractor's file: one cell a record, grid code and name in Chinese headers."""
    frame = gpd.GeoDataFrame({"网格编码": [f"130102{k:06d}" for k in range(n)],
                              "网格名称": [f"第{k + 1}网格" for k in range(n)],
                              "街道办事处": ["中山路街道"] * n},
                             geometry=adjacent_cells(n), crs=4547)
    pyogrio.write_dataframe(frame, path, layer="grids", driver="GPKG")
    return path


def polygons_job(b: Bench) -> list[Row]:
    """`import_survey` of the cells into a fresh registry beside ``ogr2ogr -f GPKG``."""
    n = cell_count()
    survey = write_cells(b.scratch / f"cells-{n}.gpkg", n)
    ours, ogr = Timings(), Timings()
    for attempt in range(b.repeats):
        target = b.scratch / f"polygons-{attempt}.gpkg"
        target.unlink(missing_ok=True)
        measured = isolated(import_cells, str(target), survey)
        ours.samples.append(measured.seconds[0])
        check_counts(measured, n)
        ogr.samples.append(measure_ogr2ogr([survey], b.scratch).seconds[0])
    b.notes.append(f"polygons: {n:,} adjacent cells of {VERTICES} vertices "
                   f"({survey.stat().st_size / 2**20:.0f} MiB GeoPackage, EPSG:4547) → grids: "
                   + ", ".join(f"{k} {v:,}" for k, v in measured.counts[0].items() if v))
    rate = n / ours.p50
    return [_shown(Row(f"adjacent polygons: import {n:,} of {VERTICES:,} vertices (.gpkg)",
                       Figure("import_survey", ours, n), [Figure("ogr2ogr -f GPKG", ogr, n)],
                       target=f"≥ {TARGET_RATE:,} features/s", met=rate >= TARGET_RATE))]


def import_cells(reg_path: str, survey: Path) -> Measured:
    """In a fresh process: create the registry, import the cells, report time and counts."""
    reg = registry.create(reg_path, county="130102")
    start, cpu = time.perf_counter(), time.process_time()
    report = import_survey(reg, survey, "grids", who="bench")
    took, used = time.perf_counter() - start, time.process_time() - cpu
    reg.close()
    return Measured([took], [report.counts()], own_peak_rss(), used)


def check_counts(measured: Measured, n: int) -> None:
    """Every cell accepted: a neighbour mistaken for a duplicate would be a wrong figure."""
    counts = measured.counts[0]
    if counts["accepted"] != n or counts["duplicates"] or counts["rejected"]:
        raise RuntimeError(f"polygons: {counts} for {n} cells")
