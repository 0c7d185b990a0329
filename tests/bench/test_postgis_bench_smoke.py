"""The PostGIS job runs end to end at a tiny scale on its own throw-away cluster and prints
every row: bulk add and the survey import beside ogr2ogr, each query beside hand SQL, items
and tiles over HTTP. Nothing is installed (``BENCH_INSTALL=0``), so pygeoapi is skipped with a
note. No timing asserts: only that every figure is there, with its peer where it has one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench_run import run_bench
from postgis_server import unavailable_reason

pytestmark = [pytest.mark.postgis,
              pytest.mark.skipif(unavailable_reason() is not None,
                                 reason=unavailable_reason() or "")]

BESIDE_HAND_SQL = ("500 m box |", "within one grid polygon |", "10 nearest |",
                   "500 m box and condition ≥ 4 |", "500 m box as of before a 10 % update")


def test_postgis_job_prints_every_row(tmp_path: Path) -> None:
    run = run_bench(tmp_path, "--points", "2000", "--mains", "20", "--boxes", "10",
                    "--repeats", "1", "--only", "postgis", BENCH_INSTALL="0")
    run.has_rows(["PostGIS bulk import, 2,000 points", "PostGIS: OGC items, 500 m bbox",
                  "PostGIS: MVT z14", "PostGIS: MVT z12",
                  *(f"PostGIS: drains, {job}" for job in BESIDE_HAND_SQL)])
    survey = next(line for line in run.written.splitlines()
                  if line.startswith("| PostGIS: import 2,000 points in 3 files"))
    assert "import_survey: " in survey
    assert ("ogr2ogr -f PostgreSQL: " in survey) == (shutil.which("ogr2ogr") is not None)
    assert run.written.count("hand SQL (psycopg): p50") == len(BESIDE_HAND_SQL)
    assert "pygeoapi skipped: no virtualenv" in run.written
