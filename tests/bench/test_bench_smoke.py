"""The benchmark suite runs end to end at a tiny scale and reports every job (no timing asserts)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The registry's own jobs; imports, web and PostGIS have smoke tests of their own.
REGISTRY_JOBS = ("add", "box", "filter", "grid", "nearest", "asof")
JOBS = ("bulk add, 2,000 points", "500 m box over drains",
        "500 m box over drains and condition ≥ 4", "drains within one grid polygon",
        "drains of one grid (grid=code)", "10 nearest drains", "as of a year back",
        "hand SQL over the version table")


def test_suite_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--points", "2000", "--mains", "100", "--boxes", "20",
         "--repeats", "1", "--asof-boxes", "3", "--cache", str(tmp_path / "cache"),
         "--out", str(out), *(arg for job in REGISTRY_JOBS for arg in ("--only", job))],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    written = out.read_text(encoding="utf-8")
    for job in JOBS:
        assert job in run.stdout, f"{job!r} missing from the printed table"
        assert job in written, f"{job!r} missing from {out.name}"
    assert "Machine:" in written and "shapely" in written
    assert "a year of work in the cache: events 12" in written
