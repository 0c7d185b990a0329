"""The web job runs end to end at a tiny scale, without pygeoapi, and prints every row.

Nothing is installed (``BENCH_INSTALL=0``): the peer's virtualenv is absent from the fresh
cache, so pygeoapi is skipped with a note, and the app is served by werkzeug. No timing
asserts: only that every figure is there.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("HTTP floor: /conformance", "OGC items, 500 m bbox over drains, limit 1,000",
        "OGC items, 500 m bbox + CQL2", "MVT z14 over the city", "MVT z12 over the city",
        "warm (tile cache)", "drains over HTTP (items, limit", "drains, encoding only")


def test_web_job_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--points", "2000", "--mains", "20", "--boxes", "10",
         "--only", "web", "--cache", str(tmp_path / "cache"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "BENCH_INSTALL": "0"})
    assert run.returncode == 0, run.stderr
    written = out.read_text(encoding="utf-8")
    for row in ROWS:
        assert row in run.stdout, f"{row!r} missing from the printed table"
        assert row in written, f"{row!r} missing from {out.name}"
    assert "pygeoapi skipped: no virtualenv" in written
    assert not (tmp_path / "cache" / "peers-venv").exists()
