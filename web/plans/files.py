"""Work-package files: the package as one GeoJSON file, or as a GeoPackage for QGIS/QField
(one layer per asset layer, a ``tasks`` table and a ``package`` table holding the package's
id and form), and either read back into the FeatureCollection the registry applies.

>>> fmt_of("pkg_returned.geojson"), fmt_of("一队.gpkg")
('geojson', 'gpkg')
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
import pyogrio
import shapely.geometry

from registry.errors import InvalidInput
from registry.plans.packages import TASK_FIELDS
from web.geojson import dumps
from web.uploads.sqlite_guard import check_sqlite

FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}
MEDIA_TYPES = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3"}
TASK_TABLE, PACKAGE_TABLE = "tasks", "package"
_HEADER = ("id", "plan", "crew", "exported_at", "format", "registry", "tasks")


def fmt_of(name: str | Path) -> str:
    """The package format a file name says."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"{name}: a work package is a .geojson or a .gpkg file")
    return FORMATS[suffix]


def write(collection: dict[str, Any], path: str | Path) -> Path:
    """Write the package to `path` in the format its extension names."""
    path = Path(path)
    if fmt_of(path) == "geojson":
        path.write_bytes(dumps(collection))
    else:
        _write_gpkg(collection, path)
    return path


def encode(collection: dict[str, Any], fmt: str) -> bytes:
    """The package file's bytes, for a download."""
    if fmt == "geojson":
        return dumps(collection)
    with tempfile.TemporaryDirectory() as folder:
        return write(collection, Path(folder) / "package.gpkg").read_bytes()


def _write_gpkg(collection: dict[str, Any], path: Path) -> None:
    path.unlink(missing_ok=True)
    features = collection["features"]
    for layer in dict.fromkeys(f["properties"]["layer"] for f in features):
        rows = [f for f in features if f["properties"]["layer"] == layer]
        frame = gpd.GeoDataFrame([f["properties"] for f in rows], crs=4490, geometry=[
            shapely.geometry.shape(f["geometry"]) for f in rows])
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    tasks = pd.DataFrame([{k: f["properties"][k] for k in TASK_FIELDS} for f in features])
    pyogrio.write_dataframe(tasks, path, layer=TASK_TABLE, driver="GPKG")
    header = collection["package"] | {"form": orjson.dumps(collection["form"]).decode()}
    pyogrio.write_dataframe(pd.DataFrame([header]), path, layer=PACKAGE_TABLE, driver="GPKG")


def read(path: str | Path, asset_layers: list[str]) -> dict[str, Any]:
    """A returned file as the FeatureCollection the registry applies; InvalidInput if it is
    not one (bad JSON, no GeoPackage, no package table)."""
    path = Path(path)
    if fmt_of(path) == "geojson":
        return _read_geojson(path.read_bytes())
    check_sqlite(path, path.name)  # a crew's file from the command line is an upload too
    return _read_gpkg(path, asset_layers)


def decode(body: bytes, name: str, asset_layers: list[str]) -> dict[str, Any]:
    """An uploaded file's bytes as a FeatureCollection."""
    if fmt_of(name) == "geojson":
        return _read_geojson(body)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "returned.gpkg"
        target.write_bytes(body)
        check_sqlite(target, name or target.name)  # no view or trigger reaches GDAL
        return _read_gpkg(target, asset_layers)


def _read_geojson(body: bytes) -> dict[str, Any]:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the returned file is not valid JSON: {exc}") from None


def _read_gpkg(path: Path, asset_layers: list[str]) -> dict[str, Any]:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        header = pyogrio.read_dataframe(path, layer=PACKAGE_TABLE) \
            if PACKAGE_TABLE in layers else None
    except pyogrio.errors.DataSourceError:
        raise InvalidInput("the returned file is not a GeoPackage") from None
    if header is None or header.empty:
        raise InvalidInput("the GeoPackage has no 'package' table: return the file exported "
                           "for the crew")
    features = [f for name in layers if name in asset_layers
                for f in _features(pyogrio.read_dataframe(path, layer=name), name)]
    package = {k: _plain(header[k].iloc[0]) for k in _HEADER if k in header}
    return {"type": "FeatureCollection", "package": package, "features": features}


def _features(frame: gpd.GeoDataFrame, layer: str) -> list[dict[str, Any]]:
    names = [c for c in frame.columns if c != frame.geometry.name]
    shapes = [shapely.geometry.mapping(g) if g is not None else None for g in frame.geometry]
    return [{"type": "Feature", "geometry": shape,
             "properties": {k: _plain(v) for k, v in zip(names, row)} | {"layer": layer}}
            for shape, row in zip(shapes, frame[names].itertuples(index=False))]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value
