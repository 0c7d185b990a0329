"""Write the demo city's survey set: six contractor deliveries, messy the way real ones are.

>>> import tempfile
>>> manifest = write_demo_surveys(tempfile.mkdtemp(), seed=2026, scale=0.02)
>>> [(entry["layer"], entry["file"]) for entry in manifest]  # doctest: +NORMALIZE_WHITESPACE
[('grids', 'grids.geojson'), ('drains', 'drains.shp'), ('lamp_posts', 'lamp_posts.csv'),
 ('bridges', 'bridges.gpkg'), ('gas_mains', 'gas_mains.geojson'),
 ('safety_valves', 'safety_valves.xlsx')]

The folder also gets ``manifest.json`` (the same list: per survey the layer, the file, the
import options a user must give, the traps set in it and the import outcome expected) and
``buildings.geojson`` (楼栋 points with households, which the safety valves belong to).
`scale` multiplies every count; the same seed always writes the same content.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import numpy as np

from importers.demo_bridges import GPKG_LAYER, bridge_survey
from importers.demo_city import DemoCity, demo_city
from importers.demo_gas import gas_survey
from importers.demo_schema import Survey, expect, header, id_header
from importers.demo_streetside import drain_survey, lamp_survey
from importers.demo_valves import valve_survey
from importers.demo_writers import (write_gbk_shapefile, write_gcj02_csv, write_gpkg,
                                    write_legacy_geojson, write_rfc7946, write_xy_workbook)

MANIFEST = "manifest.json"
BUILDINGS = "buildings.geojson"
VALVE_SHEET = "自闭阀安装台账"


def write_demo_surveys(out_dir: Path | str, seed: int = 2026,
                       scale: float = 1.0) -> list[dict[str, Any]]:
    """Generate the surveys for `seed` at `scale`, write them and the manifest into `out_dir`,
    and return the manifest: one entry per survey, in import order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    city = demo_city(seed)
    surveys, buildings = demo_surveys(city, seed, scale)
    writers = _writers(city)
    for survey in surveys:
        writers[survey.layer](survey.frame, out / survey.file)
    write_rfc7946(_building_columns(buildings), out / BUILDINGS)
    manifest = [survey.manifest_entry() for survey in surveys]
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    return manifest


def demo_surveys(city: DemoCity, seed: int = 2026,
                 scale: float = 1.0) -> tuple[list[Survey], gpd.GeoDataFrame]:
    """The six surveys in import order (rows in EPSG:4547, not yet written) and the buildings."""
    # One random stream per survey: changing one survey leaves the others as they were.
    rng = [np.random.default_rng([seed, k]) for k in range(1, 7)]
    gas, buildings = gas_survey(city, scale, rng[3])
    surveys = [grid_survey(city), drain_survey(city, scale, rng[0]),
               lamp_survey(city, scale, rng[1]), bridge_survey(city, scale, rng[2]), gas,
               valve_survey(buildings, scale, rng[4])]
    return surveys, buildings


def grid_survey(city: DemoCity) -> Survey:
    """The 58 responsibility grids as the bureau hands them out: clean, RFC 7946 GeoJSON."""
    grids = city.grids
    columns = {id_header("grids"): grids["grid_code"]}
    columns |= {header("grids", name): grids[name]
                for name in ("name", "street_office", "district", "departments")}
    frame = gpd.GeoDataFrame(columns, geometry=grids.geometry, crs=grids.crs)
    return Survey("grids", "grids.geojson", frame,
                  ["none: RFC 7946 GeoJSON, UTF-8; 责任部门 lists departments separated by ;"],
                  expect(len(frame)))


def _writers(city: DemoCity) -> dict[str, Callable[[gpd.GeoDataFrame, Path], None]]:
    rivers = city.rivers[["name", "geometry"]].rename(columns={"name": "河流名称"})
    return {
        "grids": write_rfc7946,
        "drains": write_gbk_shapefile,
        "lamp_posts": write_gcj02_csv,
        "bridges": lambda frame, path: write_gpkg(frame, path, GPKG_LAYER, {"河道": rivers}),
        "gas_mains": write_legacy_geojson,
        "safety_valves": lambda frame, path: write_xy_workbook(frame, path, VALVE_SHEET),
    }


def _building_columns(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        header("safety_valves", "courtyard"): buildings["courtyard"],
        header("safety_valves", "building"): buildings["building"],
        "单元数": buildings["units"], "层数": buildings["floors"],
        header("gas_mains", "households"): buildings["households"]},
        geometry=buildings.geometry, crs=buildings.crs)
