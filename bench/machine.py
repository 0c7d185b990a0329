"""What the figures were measured on: the machine and the versions of everything timed.

>>> sorted(machine())
['cores', 'cpu', 'memory']
>>> "shapely" in versions() and "SQLite" in versions()
True
"""
from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

import geopandas
import numpy
import pandas
import pyogrio
import pyproj
import rtree
import shapely


def machine() -> dict[str, str]:
    """CPU model, usable cores and total memory."""
    return {"cpu": _cpu_model(), "cores": str(len(os.sched_getaffinity(0))),
            "memory": f"{_memory_gib():.1f} GiB"}


def versions() -> dict[str, str]:
    """Python and the libraries on the measured paths."""
    return {"Python": platform.python_version(), "geopandas": geopandas.__version__,
            "shapely": shapely.__version__, "GEOS": shapely.geos_version_string,
            "pyogrio": pyogrio.__version__, "GDAL": pyogrio.__gdal_version_string__,
            "pyproj": pyproj.__version__, "rtree": rtree.__version__,
            "numpy": numpy.__version__, "pandas": pandas.__version__,
            "SQLite": sqlite3.sqlite_version}


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
