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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from importers import crs_detect, tables, webcoords
from importers.archives import ZIP_CONTAINERS, check_zip, extract_survey
from importers.reading import (Reading, bounds, coordinate_sample, drop_z, is_points, move,
                               to_shapely)
from importers.tables import read_table
from importers.vectors import read_vector
from registry.errors import InvalidInput, NotFound

#: Shijiazhuang's lon/lat extent (CGCS2000), the default box surveys must fall in.
DEFAULT_EXTENT = (113.5, 37.4, 115.5, 38.8)
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
WEB_SYSTEMS = {"gcj02": "GCJ-02", "bd09": "BD-09"}
WEB_NOTE = "given: coords={0}, {1} offset removed (iterative inverse, < 0.5 m)"


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
                target_srid: int = 4490, xy: tuple[str, str] | None = None) -> RawSurvey:
    """Read a survey file (or a zip of one) into a `RawSurvey` in EPSG:``target_srid``.

    ``xy`` names the x and y coordinate columns of a table, or of a vector layer that has
    attributes but no geometry (a DBF, a GeoPackage attribute table).

    >>> raw = read_survey("drains.zip", layer_name="雨水箅子.shp")   # doctest: +SKIP
    >>> raw.encoding, raw.encoding_note                              # doctest: +SKIP
    ('gb18030', 'detected: no .cpg; GB18030 scored best (GB18030 1.00, ...)')
    """
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path.name}: no such survey file")
    if coords is not None and coords not in WEB_SYSTEMS:
        raise InvalidInput(f"coords={coords!r}: expected one of {', '.join(WEB_SYSTEMS)}")
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashing releases the GIL: overlap it
        digest = pool.submit(checksum, path)
        reading = read_file(path, layer_name, encoding, xy)
        placed = place(reading, path.name, crs, coords, extent, CRS.from_epsg(target_srid))
        return RawSurvey(placed.frame, path, reading.format, digest.result(), reading.encoding,
                         reading.encoding_note, placed.source_crs, placed.crs_note,
                         reading.layer_name, reading.warnings + placed.warnings)


def read_file(path: Path, layer_name: str | None, encoding: str | None,
              xy: tuple[str, str] | None = None) -> Reading:
    """The reading of a survey file, or of the one dataset inside a zip archive."""
    if path.suffix.lower() != ".zip":
        return read_dataset(path, layer_name, encoding, xy)
    with tempfile.TemporaryDirectory(prefix="infracensus-survey-") as folder:
        dataset, layer = extract_survey(path, Path(folder), layer_name)
        reading = read_dataset(dataset, layer, encoding, xy)
    reading.format = f"{reading.format} (zip)"
    return reading


def read_dataset(path: Path, layer_name: str | None, encoding: str | None,
                 xy: tuple[str, str] | None = None) -> Reading:
    if path.suffix.lower() in ZIP_CONTAINERS:  # an Excel workbook is a zip too: same size rule
        check_zip(path)
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_table(path, layer_name, encoding, xy)
    reading = read_vector(path, layer_name, encoding)
    if xy is None and no_geometry(reading.geometry):
        found = tables.geometry_columns(list(reading.attributes.columns))
        if found is None or found[0] != "xy":
            return reading
        xy = found[1:]
        reading.warnings.append(f"{path.name} has no geometry: points from its columns "
                                f"{xy[0]}/{xy[1]}")
    return reading if xy is None else points_from_columns(reading, path.name, xy)


def no_geometry(geometry: np.ndarray) -> bool:
    """Whether no record of a reading has a geometry."""
    if is_points(geometry):
        return bool(np.isnan(geometry).any(axis=1).all())
    return bool(shapely.is_missing(geometry).all())


def points_from_columns(reading: Reading, name: str, xy: tuple[str, str]) -> Reading:
    """A geometry-less vector reading given points from its ``xy`` attribute columns.

    A layer that has geometry keeps it: two sources of position would leave the
    choice to a guess, so naming columns for it is refused.
    """
    if not no_geometry(reading.geometry):
        raise InvalidInput(f"{name}: the layer has geometry; --x/--y name coordinate columns "
                           f"only for tables and layers without geometry")
    columns = tables.named_columns(name, list(reading.attributes.columns), xy)
    frame = reading.attributes
    reading.geometry, problems = tables.point_coordinates(frame[columns[1]], frame[columns[2]],
                                                          decimal_comma=False)
    reading.warnings += problems
    return reading


@dataclass
class Placement:
    """Where a reading's geometry ended up, and what was decided on the way."""

    frame: gpd.GeoDataFrame
    source_crs: str
    crs_note: str
    warnings: list[str]


def place(reading: Reading, name: str, crs: str | int | None, coords: str | None,
          extent: tuple[float, float, float, float], target: CRS) -> Placement:
    """Settle the source CRS, move the geometry to ``target`` and flag what lies outside."""
    geometry, flattened = drop_z(reading.geometry)
    choice = crs_detect.choose_crs(coordinate_sample(geometry), override=crs,
                                   declared=reading.declared_crs, spec=reading.spec_crs,
                                   extent=extent, source=name)
    if choice.swap_xy:
        geometry = move(geometry, lambda xy: xy[:, ::-1])
    source, label, note = crs_detect.parse_crs(choice.crs, name), choice.crs, choice.note
    if coords is not None:
        geometry, source = remove_web_offset(name, geometry, source, coords)
        label, note = WEB_SYSTEMS[coords], f"{note}; {WEB_NOTE.format(coords, WEB_SYSTEMS[coords])}"
    geometry = reproject(geometry, source, target)
    outside = crs_detect.outside_extent(bounds(geometry), extent)
    frame = gpd.GeoDataFrame(reading.attributes, geometry=to_shapely(geometry), crs=target)
    frame["_outside_extent"] = outside
    warnings = (flattened + list(choice.warnings) + datum_warnings(source, target)
                + outside_warning(int(outside.sum()), len(outside), extent))
    return Placement(frame, label, note, warnings)


def remove_web_offset(name: str, geometry: np.ndarray, source: CRS,
                      coords: str) -> tuple[np.ndarray, CRS]:
    """GCJ-02/BD-09 lon/lat back to WGS84; refused for coordinates that are not lon/lat."""
    if not source.is_geographic:
        raise InvalidInput(f"{name}: coords={coords} needs lon/lat coordinates, "
                           f"but they are in {crs_detect.crs_label(source)}")
    return move(geometry, lambda xy: webcoords.to_wgs84(xy, coords)), CRS.from_epsg(4326)


def datum_warnings(source: CRS, target: CRS) -> list[str]:
    warning = crs_detect.datum_warning(source, target)
    return [warning] if warning else []


def reproject(geometry: np.ndarray, source: CRS, target: CRS) -> np.ndarray:
    """Coordinates in ``target``, transformed in one vectorised pass."""
    if source == target or same_lonlat(source, target):
        return geometry
    project = crs_detect.transformer(source, target).transform
    return move(geometry, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))


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
