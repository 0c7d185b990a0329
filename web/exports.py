"""Writing asset frames for planners and crews: GeoJSON, CSV, GeoPackage, GeoParquet.

GeoJSON is RFC 7946 (lon/lat, WGS84-compatible CGCS2000); CSV carries WKT geometry and a
UTF-8 BOM so Excel opens Chinese text correctly.

>>> fmt_for("out.geojson"), fmt_for("out.csv")
('geojson', 'csv')
"""
from __future__ import annotations

from pathlib import Path
from typing import IO

import geopandas as gpd
import pyogrio
import shapely

from registry.errors import InvalidInput
from web.geojson import feature_collection

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg",
           ".parquet": "parquet"}
MEDIA_TYPES = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
               "gpkg": "application/geopackage+sqlite3", "parquet": "application/vnd.apache.parquet"}


def fmt_for(path: str | Path) -> str:
    """The export format named by a file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"{path}: unknown export format {suffix!r}; use one of "
                           f"{', '.join(FORMATS)}")
    return FORMATS[suffix]


def write(frame: gpd.GeoDataFrame, path: str | Path, layer: str = "assets") -> Path:
    """Write `frame` to `path` in the format its extension names."""
    path = Path(path)
    fmt = fmt_for(path)
    if fmt == "geojson":
        path.write_bytes(feature_collection(frame))
    elif fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            write_csv(frame, fh)
    elif fmt == "gpkg":
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    else:
        frame.to_parquet(path)
    return path


def write_csv(frame: gpd.GeoDataFrame, fh: IO[str]) -> None:
    """Attributes plus a ``wkt`` column."""
    table = frame.drop(columns=frame.geometry.name)
    table["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=8)
    table.to_csv(fh, index=False, lineterminator="\n")
