"""How long read_survey takes on a million-point GeoPackage, beside the bare pyogrio read.

    .venv/bin/python -m bench.read_survey_1m [points] [repetitions]

The survey is written once (CGCS2000 lon/lat, and GK CM 114E as contractors deliver it).
Each repetition times `read_survey` and its peer, a bare
`pyogrio.read_dataframe(path, use_arrow=True)` (no encoding, CRS or extent work),
interleaved, because the machines are shared and noisy. Target: about a second on a quiet
machine, and no more than the peer.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from bench.timing import Timings
from importers.sources import read_survey


def survey(points: int, srid: int) -> gpd.GeoDataFrame:
    """Random drains over Shijiazhuang with a few typical attribute columns."""
    rng = np.random.default_rng(7)
    lonlat = np.column_stack([rng.uniform(114.3, 114.7, points), rng.uniform(37.9, 38.2, points)])
    frame = gpd.GeoDataFrame({"编号": np.char.add("SJZ-", np.arange(points).astype(str)),
                              "材质": rng.choice(["铸铁", "球墨铸铁", "复合材料"], points),
                              "深度": rng.uniform(0.5, 3.0, points).round(2)},
                             geometry=shapely.points(lonlat), crs=4490)
    return frame.to_crs(srid)


def bare_read(path: Path) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(path, use_arrow=True)


def compare(path: Path, repetitions: int) -> tuple[Timings, Timings]:
    ours, peer = Timings(), Timings()
    for _ in range(repetitions):
        ours.time(read_survey, path)
        peer.time(bare_read, path)
    return ours, peer


def main(points: int, repetitions: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for srid in (4490, 4547):
            path = Path(folder) / f"drains_{srid}.gpkg"
            survey(points, srid).to_file(path, layer="drains", engine="pyogrio")
            ours, peer = compare(path, repetitions)
            print(f"{points:,} points, EPSG:{srid}: read_survey p50 {ours.p50:.2f} s "
                  f"(p95 {ours.p95:.2f}); bare pyogrio p50 {peer.p50:.2f} s; "
                  f"ratio {ours.p50 / peer.p50:.2f}")


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*(arguments + [1_000_000, 5][len(arguments):]))
