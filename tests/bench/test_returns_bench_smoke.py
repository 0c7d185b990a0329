"""The crew-return job runs end to end at a tiny scale and prints its rows, the issue of the
package and its return (no timing asserts): it refuses to report a figure unless every task
of the return was applied and the hand read found the package's drains."""
from __future__ import annotations

from pathlib import Path

from bench_run import run_bench


def test_returns_job_prints_its_rows(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "100", "--only", "returns")
    run.has_rows(["issue a work package of 800 drains (plan + crew GeoJSON)",
                  "planner.propose + packages.export",
                  "sqlite3 rows + events by uuid, orjson FeatureCollection"])
    run.has_rows(["crew return of 800 drains (condition + cleaning date + event each)",
                  "returns.return_package", "sqlite3 executemany UPDATE + INSERT events"])
    assert "crew return: 2 × a package of 800 drains" in run.written
