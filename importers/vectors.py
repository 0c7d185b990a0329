"""Read GDAL vector formats (Shapefile, GeoPackage, GeoJSON, FlatGeobuf, KML, GML, DXF).

The bulk path is pyogrio with Arrow: a million points in about a second. When it fails, the
file is read again with fiona record by record, so one broken record cannot stop the rest:
its row comes back with no geometry and a warning naming it.

>>> reading = read_vector(Path("wells.gpkg"), layer_name="wells")   # doctest: +SKIP
>>> reading.format, reading.declared_crs                            # doctest: +SKIP
('GeoPackage', 'EPSG:4547')
"""
from __future__ import annotations

import logging
import re
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import fiona
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely.geometry
from pyogrio.errors import DataSourceError

from importers.encoding import (CSV_SAMPLE_BYTES, EncodingChoice, shapefile_encoding,
                                text_encoding as bytes_encoding)
from importers.gdal_messages import restore_incomplete, summarise
from importers.geojson_text import read_text_coordinates
from importers.reading import Reading
from registry.errors import InvalidInput

FORMATS = {"ESRI Shapefile": "Shapefile", "GPKG": "GeoPackage", "LIBKML": "KML"}
#: Formats whose specification fixes the text encoding (GDAL decodes them itself).
SELF_DESCRIBING = "text decoded by GDAL as the format declares (UTF-8)"
UTF8 = ("utf-8", "utf-8-sig")
GEOJSON_SUFFIXES = (".geojson", ".json")
#: Old GeoJSON (2008 spec) named its CRS in a top-level member; RFC 7946 dropped it.
CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]+)"')
CRS_MEMBER_SCAN_BYTES = 1 << 20
#: ISO WKB of a 2-D point: byte order 1 (little-endian), type 1, then x and y as doubles.
POINT_WKB_HEADER = np.array([1, 1, 0, 0, 0], dtype=np.uint8)
POINT_WKB_BYTES = 21
#: Broken records beyond this many are named by the first ones only.
MAX_NAMED_ROWS = 100
#: GDAL's warnings are traced to their rows in files up to this many records (~10 s).
MAX_ATTRIBUTED_RECORDS = 200_000


def read_vector(path: Path, layer_name: str | None = None,
                encoding: str | None = None) -> Reading:
    """Read one layer of a GDAL-readable file; InvalidInput naming the file if it cannot be.

    >>> read_vector(Path("notes.txt"))   # doctest: +SKIP
    Traceback (most recent call last):
    registry.errors.InvalidInput: notes.txt: not a readable survey file (...)
    """
    if path.suffix.lower() in GEOJSON_SUFFIXES:
        text = geojson_encoding(path, encoding)
        if text.encoding not in UTF8:
            return read_transcoded(path, layer_name, text)
    layer = choose_layer(path, layer_name)
    info = call_gdal(path, pyogrio.read_info, path, layer=layer)
    text = text_encoding(path, info["driver"], encoding)
    bulk = bulk_read(path, layer, text.encoding)
    geojson = info["driver"] == "GeoJSON"
    if bulk is None:
        attributes, geometry, problems = record_read(path, layer, text.encoding)
        messages = []
        if geojson:
            geometry, notes, touched = read_text_coordinates(path, geometry)
            spoken = {f"row {i + 1}: " for i in touched}  # the notes say more of these rows
            problems = notes + [p for p in problems if p[:p.find(": ") + 2] not in spoken]
    else:
        attributes, geometry, fids, messages = bulk
        geometry, notes, touched = read_text_coordinates(path, geometry) if geojson \
            else (geometry, [], np.empty(0, dtype=int))
        problems = notes + diagnose_missing(path, layer, text.encoding, geometry, fids,
                                            bool(messages), touched)
        attributes, messages = attribute_messages(path, layer, text.encoding, attributes,
                                                  fids, messages)
    reading = Reading(attributes, geometry, FORMATS.get(info["driver"], info["driver"]),
                      encoding=text.encoding, encoding_note=text.note, layer_name=layer,
                      warnings=messages + problems)
    reading.declared_crs, reading.spec_crs = file_crs(path, info["driver"], info["crs"])
    return reading


def call_gdal(path: Path, function, *args, **kwargs):
    """Run a pyogrio call, turning GDAL's refusal into an InvalidInput naming the file."""
    try:
        return function(*args, **kwargs)
    except (DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InvalidInput(f"{path.name}: not a readable survey file ({exc})") from None
    except UnicodeDecodeError:
        # A .dbf cuts column names at 10 bytes, which can split a UTF-8 Chinese character.
        raise InvalidInput(f"{path.name}: a column name is not valid text in the file's "
                           "encoding (a shapefile cuts names at 10 bytes, which can split a "
                           "Chinese character): rename the columns, or give --encoding"
                           ) from None


def choose_layer(path: Path, layer_name: str | None) -> str:
    """The layer to read: ``layer_name``, or the only one; else an error listing them all."""
    names = [str(name) for name in call_gdal(path, pyogrio.list_layers, path)[:, 0]]
    if layer_name is not None and layer_name not in names:
        raise InvalidInput(f"{path.name}: no layer {layer_name!r}; layers: {', '.join(names)}")
    if layer_name is None and len(names) != 1:
        listed = ", ".join(names) or "none"
        raise InvalidInput(f"{path.name} holds {len(names)} layers ({listed}); "
                           f"choose one with layer_name=")
    return layer_name or names[0]


def text_encoding(path: Path, driver: str, override: str | None) -> EncodingChoice:
    """Shapefiles need the .dbf encoding found out; other formats declare theirs."""
    if driver == "ESRI Shapefile":
        return shapefile_encoding(path.with_suffix(".dbf"), override)
    return EncodingChoice("utf-8", SELF_DESCRIBING)


def geojson_encoding(path: Path, override: str | None) -> EncodingChoice:
    """GeoJSON must be UTF-8, but Chinese tools also write GBK: check its first bytes."""
    with open(path, "rb") as stream:
        return bytes_encoding(stream.read(CSV_SAMPLE_BYTES), override)


def read_transcoded(path: Path, layer: str | None, text: EncodingChoice) -> Reading:
    """Read a GeoJSON written in a legacy encoding through a UTF-8 copy (GDAL reads only UTF-8)."""
    with tempfile.TemporaryDirectory(prefix="infracensus-utf8-") as folder:
        copy = Path(folder) / path.name
        copy.write_text(path.read_bytes().decode(text.encoding, errors="replace"), "utf-8")
        reading = read_vector(copy, layer, "utf-8")
    reading.encoding, reading.encoding_note = text.encoding, text.note
    return reading


def file_crs(path: Path, driver: str, gdal_crs: str | None) -> tuple[str | None, str | None]:
    """(declared CRS, CRS implied by the spec). GDAL reports EPSG:4326 for every GeoJSON,
    so whether the file really named one is read from its ``crs`` member."""
    if driver != "GeoJSON":
        return gdal_crs, None
    member = geojson_crs_member(path)
    if member is None:
        return None, "EPSG:4326"
    return gdal_crs or member, None


def geojson_crs_member(path: Path) -> str | None:
    """The name in an old-style GeoJSON ``crs`` member (searched near the start and end).

    >>> import tempfile, json
    >>> doc = {"type": "FeatureCollection", "features": [],
    ...        "crs": {"type": "name", "properties": {"name": "EPSG:4547"}}}
    >>> with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False) as f:
    ...     json.dump(doc, f)
    >>> geojson_crs_member(Path(f.name))
    'EPSG:4547'
    """
    with open(path, "rb") as stream:
        head = stream.read(CRS_MEMBER_SCAN_BYTES)
        stream.seek(max(0, stream.seek(0, 2) - CRS_MEMBER_SCAN_BYTES))
        tail = stream.read()
    match = CRS_MEMBER.search(head) or CRS_MEMBER.search(tail)
    return match.group(1).decode("utf-8", errors="replace") if match else None


def bulk_read(path: Path, layer: str, encoding: str | None) -> tuple | None:
    """(attributes with ``_row``, geometry, fids, GDAL warnings) read through Arrow, or None
    when GDAL or GEOS gives up on the file as a whole. Warnings (e.g. one unreadable
    geometry) are returned rather than raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            meta, table = pyogrio.read_arrow(path, layer=layer, encoding=encoding, return_fids=True)
            geometry_column = meta["geometry_name"] or "wkb_geometry"
            if meta["geometry_type"] is None:  # a DBF or an attribute table: no geometry at all
                geometry_column, wkb = None, pa.chunked_array([pa.nulls(len(table), pa.binary())])
            else:
                wkb = table.column(geometry_column)
            geometry = point_coordinates(wkb)
            if geometry is None:
                geometry = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
        except (DataSourceError, pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
                shapely.errors.GEOSException,  # e.g. one polygon ring that is not closed
                ValueError):  # e.g. text GDAL could not hand over as UTF-8
            return None
    fids = table.column(meta["fid_column"]).to_numpy()
    attributes = table.drop_columns([c for c in (meta["fid_column"], geometry_column) if c]
                                    ).to_pandas()
    attributes.insert(0, "_row", np.arange(1, len(attributes) + 1))
    return attributes, geometry, fids, [str(w.message) for w in caught]


def point_coordinates(wkb: pa.ChunkedArray) -> np.ndarray | None:
    """(n, 2) x/y straight from the WKB bytes when every geometry is a 2-D little-endian point
    (NaN where null), else None. Saves building and then rebuilding a million GEOS points.

    >>> point_coordinates(pa.chunked_array([[shapely.Point(1, 2).wkb, None]])).tolist()
    [[1.0, 2.0], [nan, nan]]
    """
    if pc.all(pc.equal(pc.binary_length(wkb), POINT_WKB_BYTES)).as_py() is False:
        return None  # decided before copying the chunks into one array
    array = wkb.combine_chunks()
    offsets = np.frombuffer(array.buffers()[1], np.int64 if pa.types.is_large_binary(array.type)
                            else np.int32)[array.offset:array.offset + len(array) + 1]
    present = ~array.is_null().to_numpy(zero_copy_only=False)
    if not (np.diff(offsets)[present] == POINT_WKB_BYTES).all() or array.buffers()[2] is None:
        return None
    data = np.frombuffer(array.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
    records = data.reshape(-1, POINT_WKB_BYTES)  # nulls take no bytes, so points are contiguous
    if not (records[:, :5] == POINT_WKB_HEADER).all():
        return None
    xy = np.full((len(array), 2), np.nan)
    xy[present] = records[:, 5:].copy().view("<f8")
    return xy


def attribute_messages(path: Path, layer: str, encoding: str | None, attributes: pd.DataFrame,
                       fids: np.ndarray, messages: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """(attributes, summary lines) for GDAL's warnings during the bulk read.

    GDAL does not say which record a warning is about, so the file is read again record
    by record (up to `MAX_ATTRIBUTED_RECORDS`) to find out; a number GDAL cut from text
    is replaced by that text (`gdal_messages.restore_incomplete`).
    """
    if not messages:
        return attributes, []
    if len(fids) > MAX_ATTRIBUTED_RECORDS:
        return attributes, summarise({}, messages) + [
            f"GDAL's messages are not attributed to rows: over {MAX_ATTRIBUTED_RECORDS:,} records"]
    said, by_row = set(messages), {}
    for row, (_, _, _, found) in enumerate(fiona_records(path, layer, encoding, fids), start=1):
        if ours := [m for m in found if m in said]:
            by_row[row] = ours
    placed = {m for found in by_row.values() for m in found}
    return (restore_incomplete(attributes, by_row),
            summarise(by_row, [m for m in messages if m not in placed]))


def diagnose_missing(path: Path, layer: str, encoding: str | None, geometry: np.ndarray,
                     fids: np.ndarray, gdal_warned: bool,
                     explained: np.ndarray | None = None) -> list[str]:
    """Name the rows whose geometry GDAL could not read (a null geometry is not an error);
    rows at the positions `explained` are already named."""
    missing = np.flatnonzero(pd.isna(geometry) if geometry.dtype == object
                             else np.isnan(geometry).any(axis=1))
    if explained is not None:
        missing = np.setdiff1d(missing, explained)
    if len(missing) == 0:
        return []
    rows = dict(zip(fids[missing], missing + 1))
    problems = []
    for fid, _, _, messages in fiona_records(path, layer, encoding, fids[missing[:MAX_NAMED_ROWS]]):
        if messages or gdal_warned:
            problems.append(unreadable(rows[fid], messages))
    return problems


def unreadable(row: int, messages: list[str]) -> str:
    """The warning for a row whose geometry could not be read, with GDAL's reasons."""
    reasons = f" ({'; '.join(dict.fromkeys(messages))})" if messages else ""
    return f"row {row}: geometry unreadable, left empty{reasons}"


def record_read(path: Path, layer: str, encoding: str | None
                ) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """fiona, one record at a time: a broken record becomes a row without geometry."""
    with fiona.open(path, layer=layer, encoding=encoding) as source:
        fids = list(source.keys())
    rows, geometries, problems, by_row = [], [], [], {}
    for row, (fid, properties, geometry, messages) in enumerate(
            fiona_records(path, layer, encoding, fids), start=1):
        rows.append({"_row": row, **(properties or {})})
        geometries.append(geometry)
        if geometry is None and messages:
            problems.append(unreadable(row, messages))
        elif messages:
            by_row[row] = messages
    if not rows:
        raise InvalidInput(f"{path.name}: not a readable survey file (no records could be read)")
    shapes = np.empty(len(geometries), dtype=object)
    shapes[:] = geometries
    return restore_incomplete(pd.DataFrame(rows), by_row), shapes, summarise(by_row, []) + problems


def fiona_records(path: Path, layer: str, encoding: str | None, fids) -> Iterator[tuple]:
    """(fid, properties, shapely geometry, GDAL messages) for each fid, surviving bad ones.

    Some drivers (GeoJSON) parse the whole file on the first read and report every
    record's troubles then: one record is read first and its messages set aside, so they
    are not all laid at the door of whichever record comes first.
    """
    with fiona.open(path, layer=layer, encoding=encoding) as source, gdal_messages() as messages:
        if len(fids):
            read_record(source, int(fids[0]), messages)
        for fid in fids:
            messages.clear()
            properties, geometry = read_record(source, int(fid), messages)
            yield fid, properties, geometry, list(messages)


def read_record(source, fid: int, messages: list[str]) -> tuple[dict | None, object]:
    try:
        feature = source[fid]
    except Exception as exc:  # GDAL raises many types for a corrupt record; any means unreadable
        messages.append(f"unreadable record ({exc})")
        return None, None
    if feature is None:  # fiona's answer for a record GDAL could not make sense of
        messages.append("unreadable record")
        return None, None
    try:
        geometry = shapely.geometry.shape(feature.geometry) if feature.geometry else None
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError) as exc:
        messages.append(f"unreadable geometry ({exc})")
        geometry = None
    return dict(feature.properties), geometry


@contextmanager
def gdal_messages() -> Iterator[list[str]]:
    """Collect what GDAL reports through fiona's logger (it logs, it does not raise)."""
    collected: list[str] = []
    handler = _ListHandler(collected)
    logger = logging.getLogger("fiona")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # collected, not on the console
    try:
        yield collected
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())
