"""The benchmark suite runs end to end at a tiny scale and reports every job (no timing asserts)."""
from __future__ import annotations

from pathlib import Path

from bench_run import run_bench

#: The registry's own jobs; imports, web and PostGIS have smoke tests of their own.
REGISTRY_JOBS = ("add", "box", "filter", "grid", "nearest", "asof")
JOBS = ("bulk add, 2,000 points", "500 m box over drains",
        "500 m box over drains and condition ≥ 4", "drains within one grid polygon",
        "drains of one grid (grid=code)", "10 nearest drains", "as of a year back",
        "hand SQL over the version table")


def test_suite_prints_every_row(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "100", "--boxes", "20",
                    "--repeats", "1", "--asof-boxes", "3",
                    *(arg for job in REGISTRY_JOBS for arg in ("--only", job)), timeout=300)
    run.has_rows(JOBS)
    assert "Machine:" in run.written and "shapely" in run.written
    assert "a year of work in the cache: events 12" in run.written
