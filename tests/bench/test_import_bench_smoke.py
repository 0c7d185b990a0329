"""The import benchmark runs end to end at a tiny scale and prints every row (no timing asserts)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("import 2,000 points in 3 files (.gpkg, .shp, .csv) into an empty registry",
        "import 800 drains (.gpkg) into an empty layer",
        "import 700 lamp_posts (.shp) into an empty layer",
        "import 500 safety_valves (.csv) into an empty layer",
        "import 100 gas mains (.geojson)",
        "re-import 800 drains, 10 % updated (.gpkg)",
        "re-import 800 drains, unchanged (.gpkg)")


def test_import_job_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--points", "2000", "--mains", "100", "--only", "import",
         "--repeats", "2", "--cache", str(tmp_path / "cache"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    written = out.read_text(encoding="utf-8")
    for job in ROWS:
        assert job in run.stdout, f"{job!r} missing from the printed table"
        assert job in written, f"{job!r} missing from {out.name}"
    assert "read_arrow + Arrow write, peak" in run.stdout
    assert "ogr2ogr -f GPKG, peak" in run.stdout
    assert "drains_edited.gpkg → drains: total 800, updated 80, unchanged 720" in written
    assert (tmp_path / "cache" / "surveys-p2000-m100-s2026-v2" / "safety_valves.csv").is_file()
