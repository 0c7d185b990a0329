"""The adjacent-polygons import job runs end to end at a small scale and prints its row beside
ogr2ogr (no timing asserts): it refuses to report a figure unless every cell was accepted."""
from __future__ import annotations

from pathlib import Path

from bench_run import run_bench


def test_polygons_job_prints_its_row(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "100", "--only", "polygons",
                    BENCH_POLYGONS="120")
    run.has_rows(["adjacent polygons: import 120 of 1,000 vertices (.gpkg)", "import_survey",
                  "ogr2ogr -f GPKG"])
    assert "polygons: 120 adjacent cells of 1000 vertices" in run.written
    assert "→ grids: total 120, accepted 120" in run.written
