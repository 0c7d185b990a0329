"""The import benchmark runs end to end at a tiny scale and prints every row (no timing asserts)."""
from __future__ import annotations

from pathlib import Path

from bench_run import run_bench

ROWS = ("import 2,000 points in 3 files (.gpkg, .shp, .csv) into an empty registry",
        "import 800 drains (.gpkg) into an empty layer",
        "import 700 lamp_posts (.shp) into an empty layer",
        "import 500 safety_valves (.csv) into an empty layer",
        "import 100 gas mains (.geojson)",
        "re-import 800 drains, 10 % updated (.gpkg)",
        "re-import 800 drains, unchanged (.gpkg)")


def test_import_job_prints_every_row(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "100", "--only", "import",
                    "--repeats", "2")
    run.has_rows(ROWS)
    assert "read_arrow + Arrow write, peak" in run.printed
    assert "ogr2ogr -f GPKG, peak" in run.printed
    assert "drains_edited.gpkg → drains: total 800, updated 80, unchanged 720" in run.written
    assert (tmp_path / "cache" / "surveys-p2000-m100-s2026-v2" / "safety_valves.csv").is_file()
