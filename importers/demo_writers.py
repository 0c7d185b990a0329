"""Write demo surveys the way contractors deliver them, one function per kind of delivery.

Each writer takes survey rows in EPSG:4547 (Chinese headers, true positions) and produces
the file with its real-world quirks: a GBK shapefile without .cpg or .prj in GK zone 38,
a GBK CSV of GCJ-02 web-map picks, an old-style GeoJSON naming EPSG:4490, and so on.

>>> import shapely, tempfile
>>> frame = gpd.GeoDataFrame({"名称": ["中山路"]}, geometry=[shapely.Point(544770, 4212060)],
...                          crs="EPSG:4547")
>>> path = Path(tempfile.mkdtemp()) / "roads.shp"
>>> write_gbk_shapefile(frame, path)
>>> sorted(p.suffix for p in path.parent.iterdir())
['.dbf', '.shp', '.shx']
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook

from importers.webcoords import wgs84_to_gcj02

LONLAT_CRS = "EPSG:4490"
#: CGCS2000 3-degree Gauss-Kruger zone 38: the same projection as EPSG:4547, eastings
#: prefixed with the zone number.
ZONE_38_CRS = "EPSG:4526"


def write_rfc7946(frame: gpd.GeoDataFrame, path: Path) -> None:
    """GeoJSON as RFC 7946 wants it: UTF-8, lon/lat, no ``crs`` member."""
    pyogrio.write_dataframe(frame.to_crs(LONLAT_CRS), path, driver="GeoJSON",
                            layer_options={"RFC7946": "YES"})


def write_legacy_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Pre-RFC GeoJSON with a ``crs`` member naming EPSG:4490, as older GIS exports have."""
    pyogrio.write_dataframe(frame.to_crs(LONLAT_CRS), path, driver="GeoJSON")


def write_gbk_shapefile(frame: gpd.GeoDataFrame, path: Path) -> None:
    """A shapefile in GK zone 38 with GBK text and neither .cpg nor .prj beside it."""
    pyogrio.write_dataframe(frame.to_crs(ZONE_38_CRS), path, encoding="gbk")
    path.with_suffix(".cpg").unlink()
    path.with_suffix(".prj").unlink()


def write_gcj02_csv(frame: gpd.GeoDataFrame, path: Path) -> None:
    """A CSV as Excel saves it on Chinese Windows (GBK, CRLF), with 经度/纬度 in GCJ-02."""
    lonlat = shapely.get_coordinates(frame.to_crs(LONLAT_CRS).geometry)
    lon, lat = wgs84_to_gcj02(lonlat[:, 0], lonlat[:, 1])
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["经度"], table["纬度"] = lon.round(6), lat.round(6)
    table.to_csv(path, index=False, encoding="gbk", lineterminator="\r\n")


def write_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str,
               others: dict[str, gpd.GeoDataFrame]) -> None:
    """A GeoPackage in EPSG:4547 holding `layer` and the context layers in `others`."""
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    for name, context in others.items():
        pyogrio.write_dataframe(context, path, layer=name, driver="GPKG", append=True)


def write_xy_workbook(frame: gpd.GeoDataFrame, path: Path, sheet: str) -> None:
    """An Excel workbook with plain X/Y columns (EPSG:4547 metres) and no CRS stated."""
    xy = shapely.get_coordinates(frame.geometry)
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["X"], table["Y"] = xy[:, 0].round(3), xy[:, 1].round(3)
    # openpyxl's streaming writer: pandas' to_excel styles every cell and is 5x slower.
    book = Workbook(write_only=True)
    rows = book.create_sheet(sheet)
    rows.append(list(table.columns))
    for row in table.astype(object).where(table.notna(), None).itertuples(index=False):
        rows.append(list(row))
    book.save(path)
