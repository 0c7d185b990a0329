"""The export and gas jobs run end to end at a tiny scale and print every row (no timing
asserts): each checks its answer against its peers' before it reports a figure."""
from __future__ import annotations

from pathlib import Path

from bench_run import run_bench

ROWS = ("GeoJSON export of 800 drains to a file", "infracensus export, peak",
        "ogr2ogr -f GeoJSON", "geopandas read_file + to_file",
        "gas isolation trace, whole network (100 mains)", "networkx on the edge list",
        "gas renovation scope + courtyard scores (100 mains)", "hand SQL + pandas, same rules")


def test_export_and_gas_jobs_print_every_row(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "100", "--only", "export",
                    "--only", "gas")
    run.has_rows(ROWS)
    assert "mains in scope in" in run.written
