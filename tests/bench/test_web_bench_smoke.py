"""The web job runs end to end at a tiny scale, without pygeoapi, and prints every row.

Nothing is installed (``BENCH_INSTALL=0``): the peer's virtualenv is absent from the fresh
cache, so pygeoapi is skipped with a note, and the app is served by werkzeug. No timing
asserts: only that every figure is there.
"""
from __future__ import annotations

from pathlib import Path

from bench_run import run_bench

ROWS = ("HTTP floor: /conformance", "OGC items, 500 m bbox over drains, limit 1,000",
        "OGC items, 500 m bbox + CQL2", "MVT z14 over the city", "MVT z12 over the city",
        "warm (tile cache)", "drains over HTTP (items, limit", "drains, encoding only")


def test_web_job_prints_every_row(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "20", "--boxes", "10",
                    "--only", "web", BENCH_INSTALL="0")
    run.has_rows(ROWS)
    assert "pygeoapi skipped: no virtualenv" in run.written
    assert not (tmp_path / "cache" / "peers-venv").exists()
