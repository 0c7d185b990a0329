"""Selections written as files for planners and crews: GeoJSON, CSV or GeoPackage.

CSV carries the geometry as WKT and a byte-order mark, so Excel opens the Chinese text as
UTF-8; the GeoPackage is written with pyogrio and opens in QGIS as it is.

>>> import geopandas as gpd, shapely
>>> frame = gpd.GeoDataFrame({"uuid": ["a1"]}, geometry=[shapely.Point(114.5, 38.0)], crs=4490)
>>> csv_bytes(frame).decode("utf-8-sig").splitlines()
['uuid,wkt', 'a1,POINT (114.5 38)']
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import geopandas as gpd
import shapely

from registry.errors import InvalidInput
from web.geojson import feature_collection


def csv_bytes(frame: gpd.GeoDataFrame) -> bytes:
    table = frame.drop(columns=frame.geometry.name)
    table["wkt"] = shapely.to_wkt(frame.geometry.array, rounding_precision=8)
    return table.to_csv(index=False).encode("utf-8-sig")


def gpkg_bytes(frame: gpd.GeoDataFrame, layer: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{layer}.gpkg"
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


#: format → (media type, file extension, writer of the frame and layer name)
FORMATS: dict[str, tuple[str, str, Callable[[gpd.GeoDataFrame, str], bytes]]] = {
    "geojson": ("application/geo+json", "geojson", lambda frame, _: feature_collection(frame)),
    "csv": ("text/csv; charset=utf-8", "csv", lambda frame, _: csv_bytes(frame)),
    "gpkg": ("application/geopackage+sqlite3", "gpkg", gpkg_bytes),
}


def export_file(frame: gpd.GeoDataFrame, layer: str, fmt: str) -> tuple[bytes, str, str]:
    """The file's bytes, media type and name (``drains.geojson``)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    mimetype, extension, write = FORMATS[fmt]
    return write(frame, layer), mimetype, f"{layer}.{extension}"
