"""Helpers of the robustness tests: a registry with one grid and some drains, a large CSV
survey, a fingerprint of everything stored, and a child Python process to kill."""
from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

import registry
from registry import Change

GRID = (114.40, 37.95, 114.65, 38.15)
REPO = Path(__file__).resolve().parents[2]


def make_city(path: Path, drains: int = 50) -> Path:
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


def fingerprint(path: Path) -> str:
    """A digest of every row of every table: equal digests, equal registries."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'rtree_%' ORDER BY name")]
    for table in tables:
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
            digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    found = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    return found


def python(code: str, *args: str) -> subprocess.Popen:
    """A child Python running `code` from the repository root, stdout/stderr piped."""
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
