"""Helpers of the robustness tests: a registry with one grid and some drains (a GeoPackage
file or a PostGIS database), a large CSV survey, a fingerprint of everything stored, a check
that nothing is left half-done, and a child Python process to kill."""
from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

import geopandas as gpd
import numpy as np
import shapely

import registry
from registry import Change
from registry.backup import is_postgis

GRID = (114.40, 37.95, 114.65, 38.15)
REPO = Path(__file__).resolve().parents[2]


def make_city(path: str, drains: int = 50) -> str:
    reg = registry.create(path, county="130102")
    reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
                                      geometry=[shapely.box(*GRID)], crs=4490), Change(who="test"))
    x = np.linspace(114.45, 114.6, drains)
    reg.add("drains", gpd.GeoDataFrame({"source_id": [f"OLD{i}" for i in range(drains)],
                                        "depth_m": [1.0] * drains},
                                       geometry=shapely.points(x, np.full(drains, 38.05)),
                                       crs=4490), Change(who="test"))
    reg.close()
    return path


def write_survey(path: Path, rows: int) -> Path:
    """A drains survey of `rows` points as CSV (lon/lat columns, UTF-8)."""
    rng = np.random.default_rng(7)
    lon = rng.uniform(GRID[0] + 0.01, GRID[2] - 0.01, rows)
    lat = rng.uniform(GRID[1] + 0.01, GRID[3] - 0.01, rows)
    lines = [f"YS{i:07d},{x:.7f},{y:.7f},{1 + i % 3}.5" for i, (x, y) in enumerate(zip(lon, lat))]
    path.write_text("编号,lon,lat,depth_m\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def fingerprint(url: str) -> str:
    """A digest of every row of every table: equal digests, equal registries."""
    rows = _postgis_rows(url) if is_postgis(url) else _gpkg_rows(url)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _gpkg_rows(path: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'rtree_%' ORDER BY name")]
    rows = [row for table in tables for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')]
    conn.close()
    return rows


def _postgis_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys' ORDER BY 1")]
        return [row for table in tables
                for row in conn.execute(f'SELECT t::text FROM "{table}" t ORDER BY 1')]


def integrity(url: str) -> str:
    """"ok" when the storage holds nothing half-done: SQLite's integrity check of a
    GeoPackage; on PostGIS, no other session left inside a transaction (a killed writer's
    is rolled back once the server sees its connection drop)."""
    if not is_postgis(url):
        conn = sqlite3.connect(url)
        found = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
        return found
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(100):
            (open_,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL").fetchone()
            if open_ == 0:
                return "ok"
            time.sleep(0.1)
    return f"{open_} sessions still inside a transaction"


def python(code: str, *args: str) -> subprocess.Popen:
    """A child Python running `code` from the repository root, stdout/stderr piped."""
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
