"""Read any survey file into a `RawSurvey`: one frame in the registry CRS and honest notes.

Dispatch by format (GDAL vector formats, CSV/TSV/Excel tables, zip archives of either);
then the coordinate system is settled (``crs=``, declared, or deduced), web-map offsets are
removed (``coords='gcj02'|'bd09'``), coordinates are moved to the registry's CRS and records
outside the expected extent are flagged, never dropped.

>>> raw = read_survey("lamps.gpkg")                      # doctest: +SKIP
>>> raw.source_crs, raw.crs_note                          # doctest: +SKIP
('EPSG:4547', 'declared: lamps.gpkg says EPSG:4547')
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from importers import crs_detect, webcoords
from importers.archives import extract_survey
from importers.reading import Reading
from importers.tables import read_table
from importers.vectors import read_vector
from registry.errors import InvalidInput, NotFound

#: Shijiazhuang's lon/lat extent (CGCS2000), the default box surveys must fall in.
DEFAULT_EXTENT = (113.5, 37.4, 115.5, 38.8)
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
WEB_SYSTEMS = {"gcj02": "GCJ-02", "bd09": "BD-09"}


@dataclass
class RawSurvey:
    """A survey file as read: attributes untouched, text decoded, geometry in the target CRS.

    ``frame`` holds the source's attribute columns, ``_row`` (1-based record number in the
    source, header not counted), ``_outside_extent`` (True where the geometry reaches outside
    the expected extent) and ``geometry`` (may be None or invalid: reading never repairs).
    """

    frame: gpd.GeoDataFrame
    path: Path
    format: str
    checksum: str
    encoding: str | None = None
    encoding_note: str = ""
    source_crs: str = ""
    crs_note: str = ""
    layer_name: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_survey(path: str | Path, *, layer_name: str | None = None, encoding: str | None = None,
                crs: str | int | None = None, coords: str | None = None,
                extent: tuple[float, float, float, float] = DEFAULT_EXTENT,
                target_srid: int = 4490) -> RawSurvey:
    """Read a survey file (or a zip of one) into a `RawSurvey` in EPSG:``target_srid``.

    >>> raw = read_survey("drains.zip", layer_name="雨水箅子.shp")   # doctest: +SKIP
    >>> raw.encoding, raw.encoding_note                              # doctest: +SKIP
    ('gb18030', 'detected: no .cpg; GB18030 scored best (GB18030 1.00, ...)')
    """
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path.name}: no such survey file")
    if coords is not None and coords not in WEB_SYSTEMS:
        raise InvalidInput(f"coords={coords!r}: expected one of {', '.join(WEB_SYSTEMS)}")
    if path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="infracensus-survey-") as folder:
            dataset, layer = extract_survey(path, Path(folder), layer_name)
            reading = read_dataset(dataset, layer, encoding)
            reading.format = f"{reading.format} (zip)"
    else:
        reading = read_dataset(path, layer_name, encoding)
    survey = RawSurvey(reading.frame, path, reading.format, checksum(path), reading.encoding,
                       reading.encoding_note, layer_name=reading.layer_name,
                       warnings=list(reading.warnings))
    return place(survey, reading, crs, coords, extent, CRS.from_epsg(target_srid))


def read_dataset(path: Path, layer_name: str | None, encoding: str | None) -> Reading:
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_table(path, layer_name, encoding)
    return read_vector(path, layer_name, encoding)


def place(survey: RawSurvey, reading: Reading, crs: str | int | None, coords: str | None,
          extent: tuple[float, float, float, float], target: CRS) -> RawSurvey:
    """Settle the source CRS, move the geometry to ``target`` and flag what lies outside."""
    geometries = np.asarray(reading.frame.geometry.values, dtype=object)
    choice = crs_detect.choose_crs(crs_detect.coordinate_sample(geometries), override=crs,
                                   declared=reading.declared_crs, spec=reading.spec_crs,
                                   extent=extent, source=survey.path.name)
    if choice.swap_xy:
        geometries = shapely.transform(geometries, lambda xy: xy[:, ::-1])
    source = crs_detect.parse_crs(choice.crs, survey.path.name)
    survey.source_crs, survey.crs_note = choice.crs, choice.note
    if coords is not None:
        geometries, source = remove_web_offset(survey, geometries, source, coords)
    survey.warnings += list(choice.warnings) + datum_warnings(source, target)
    geometries = reproject(geometries, source, target)
    outside = crs_detect.outside_extent(geometries, extent)
    survey.frame = gpd.GeoDataFrame(reading.frame.drop(columns="geometry"),
                                    geometry=geometries, crs=target)
    survey.frame["_outside_extent"] = outside
    survey.warnings += outside_warning(int(outside.sum()), len(outside), extent)
    return survey


def remove_web_offset(survey: RawSurvey, geometries: np.ndarray, source: CRS,
                      coords: str) -> tuple[np.ndarray, CRS]:
    """GCJ-02/BD-09 lon/lat back to WGS84; refused for coordinates that are not lon/lat."""
    if not source.is_geographic:
        raise InvalidInput(f"{survey.path.name}: coords={coords} needs lon/lat coordinates, "
                           f"but they are in {survey.source_crs}")
    name = WEB_SYSTEMS[coords]
    survey.source_crs = name
    survey.crs_note += f"; given: coords={coords}, {name} offset removed (iterative inverse, < 0.5 m)"
    return shapely.transform(geometries, lambda xy: webcoords.to_wgs84(xy, coords)), CRS.from_epsg(4326)


def datum_warnings(source: CRS, target: CRS) -> list[str]:
    warning = crs_detect.datum_warning(source, target)
    return [warning] if warning else []


def reproject(geometries: np.ndarray, source: CRS, target: CRS) -> np.ndarray:
    """Coordinates in ``target``, transformed in one vectorised pass per coordinate array."""
    if source == target or same_lonlat(source, target):
        return geometries
    move = crs_detect.transformer(source, target).transform
    return shapely.transform(geometries, lambda xy: np.column_stack(move(xy[:, 0], xy[:, 1])))


def same_lonlat(source: CRS, target: CRS) -> bool:
    """WGS84 and CGCS2000 lon/lat differ by under a metre; pyproj's 'ballpark' shift between
    them leaves coordinates untouched, so a million points need not pass through it."""
    if not (source.is_geographic and target.is_geographic):
        return False
    ballpark = "Ballpark" in crs_detect.transformer(source, target).description
    return ballpark and crs_detect.datum_warning(source, target) is None


def outside_warning(count: int, total: int, extent: tuple[float, float, float, float]) -> list[str]:
    if count == 0:
        return []
    return [f"{count} of {total} records lie outside the extent {extent} "
            f"(kept; flagged in _outside_extent)"]


def checksum(path: Path) -> str:
    """sha256 of the file; for a shapefile, of its parts (.shp, .shx, .dbf, .prj, .cpg) in turn."""
    parts = [path.with_suffix(s) for s in SHAPEFILE_PARTS] if path.suffix.lower() == ".shp" else [path]
    digest = hashlib.sha256()
    for part in (p for p in parts if p.is_file()):
        with open(part, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
