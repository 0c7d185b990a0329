"""The export and gas jobs run end to end at a tiny scale and print every row (no timing
asserts): each checks its answer against its peers' before it reports a figure."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("GeoJSON export of 800 drains to a file", "infracensus export, peak",
        "ogr2ogr -f GeoJSON", "geopandas read_file + to_file",
        "gas isolation trace, whole network (100 mains)", "networkx on the edge list",
        "gas renovation scope + courtyard scores (100 mains)", "hand SQL + pandas, same rules")


def test_export_and_gas_jobs_print_every_row(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--points", "2000", "--mains", "100", "--only", "export",
         "--only", "gas", "--cache", str(tmp_path / "cache"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    written = out.read_text(encoding="utf-8")
    for row in ROWS:
        assert row in run.stdout, f"{row!r} missing from the printed table"
        assert row in written, f"{row!r} missing from {out.name}"
    assert "mains in scope in" in written
