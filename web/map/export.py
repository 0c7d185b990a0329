"""Selections written as files for planners and crews: GeoJSON, CSV or GeoPackage.

GeoJSON and GeoPackage keep the registry's field names and values for software (QGIS opens
the GeoPackage as it is). The CSV is for people in Excel: headers in Chinese (English with
``lang="en"``), times in Beijing time, codes as text and formulas neutralised
(`web.exports.csv_bytes`), the geometry as WKT in a last ``wkt`` column.

>>> import geopandas as gpd, shapely
>>> from registry.layers import load_layers
>>> frame = gpd.GeoDataFrame({"gbt_code": ["1301020104000084"], "depth_m": [1.5]},
...                          geometry=[shapely.Point(114.5, 38.0)], crs=4490)
>>> import csv
>>> list(csv.reader(csv_bytes(frame, load_layers()["drains"]).decode("utf-8-sig").splitlines()))
[['部件编码', '井深 (m)', 'wkt'], ['="1301020104000084"', '1.5', 'POINT (114.5 38)']]
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import geopandas as gpd

from registry.errors import InvalidInput
from registry.layers import Layer
from web import exports
from web.geojson import feature_collection
from web.map.i18n import say

#: Headers of the columns every layer has; a layer's own fields carry their labels.
COLUMNS: dict[str, tuple[str, str]] = {
    "uuid": ("唯一标识", "UUID"), "gbt_code": ("部件编码", "GB/T code"),
    "source_id": ("原编号", "Survey id"), "grid_code": ("责任网格", "Grid"),
    "state": ("部件状态", "State"), "version": ("版本", "Version"),
    "created_at": ("登记时间 (北京时间)", "Registered (Beijing time)"),
    "updated_at": ("修改时间 (北京时间)", "Changed (Beijing time)"),
    "retired_at": ("注销时间 (北京时间)", "Retired (Beijing time)"),
}
TIMES = ("created_at", "updated_at", "retired_at")


def csv_bytes(frame: gpd.GeoDataFrame, layer: Layer, lang: str = "zh") -> bytes:
    """The selection as a CSV people open in Excel."""
    table = exports.with_wkt(frame)
    for column in TIMES:
        if column in table:
            table[column] = exports.local_times(table[column])
    return exports.csv_bytes(table.rename(columns=headers(layer, list(table.columns), lang)))


def headers(layer: Layer, columns: list[str], lang: str) -> dict[str, str]:
    """Each column's header in `lang` (a field's label carries its unit: 井深 (m))."""
    names = {}
    for column in columns:
        if column in layer.field_names:
            names[column] = layer.field(column).label(lang)
        elif column in COLUMNS:
            names[column] = say(COLUMNS, column, lang)
    return names


def gpkg_bytes(frame: gpd.GeoDataFrame, layer: Layer, lang: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{layer.name}.gpkg"
        frame.to_file(path, layer=layer.name, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


#: format → (media type, file extension, writer of the frame, its layer and the language)
FORMATS: dict[str, tuple[str, str, Callable[[gpd.GeoDataFrame, Layer, str], bytes]]] = {
    "geojson": ("application/geo+json", "geojson", lambda frame, *_: feature_collection(frame)),
    "csv": ("text/csv; charset=utf-8", "csv", csv_bytes),
    "gpkg": ("application/geopackage+sqlite3", "gpkg", gpkg_bytes),
}


def export_file(frame: gpd.GeoDataFrame, layer: Layer, fmt: str,
                lang: str = "zh") -> tuple[bytes, str, str]:
    """The file's bytes, media type and name (``drains.geojson``)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    mimetype, extension, write = FORMATS[fmt]
    return write(frame, layer, lang), mimetype, f"{layer.name}.{extension}"
