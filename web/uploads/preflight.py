"""Checks on an uploaded survey before the import reads it (run inside the upload's child).

Zip-based files (.zip, .xlsx, .xlsm) are held to the upload's unpacked-size rule; an Excel
workbook may not declare a DTD in any of its XML parts; a GeoPackage may hold no view,
trigger or virtual table (`web.uploads.sqlite_guard`), also inside a zip; and the records
are counted cheaply (newlines, ``<row`` tags, the dataset's own feature count) against the
row limit before anything is parsed.

>>> count_lines(io.BytesIO(b"id,lon,lat\\n1,114.5,38.0\\n2,114.6,38.1\\n"))
3
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

import pyogrio

from importers.archives import ZIP_CONTAINERS, check_zip, extract_survey
from registry.errors import LimitExceeded
from web.uploads.limits import UploadLimits
from web.uploads.sniff import HEAD_BYTES, check_prolog
from web.uploads.sqlite_guard import check_sqlite

CHUNK = 1 << 20
TEXT_TABLES = (".csv", ".tsv", ".txt")
EXCEL = (".xlsx", ".xlsm")
SQLITE = (".gpkg", ".sqlite")
#: How a worksheet row starts, with or without a namespace prefix.
ROW_TAGS = (b"<row ", b"<row>", b":row ")


def check_before_reading(path: Path, name: str, gpkg_layer: str | None,
                         limits: UploadLimits) -> None:
    """InvalidInput / LimitExceeded naming the file unless it is safe to hand to a reader."""
    suffix = path.suffix.lower()
    if suffix in ZIP_CONTAINERS:
        check_zip(path, limits.zip)
    if suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="preflight-") as folder:
            dataset, layer = extract_survey(path, Path(folder), gpkg_layer, limits.zip)
            check_dataset(dataset, dataset.name, layer, limits)
        return
    check_dataset(path, name, gpkg_layer, limits)


def check_dataset(path: Path, name: str, layer: str | None, limits: UploadLimits) -> None:
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        check_zip(path, limits.zip)
        check_excel_xml(path, name)
    if suffix in SQLITE:
        check_sqlite(path, name)
    rows = count_rows(path, layer)
    if rows > limits.max_rows:
        raise LimitExceeded(f"{name}: holds about {rows:,} records, more than the "
                            f"{limits.max_rows:,} one upload may hold (UPLOAD_MAX_ROWS); "
                            "split the survey")


def check_excel_xml(path: Path, name: str) -> None:
    """No part of the workbook may declare a DTD or entities ("billion laughs")."""
    with zipfile.ZipFile(path) as book:
        for member in book.infolist():
            if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                with book.open(member) as part:
                    check_prolog(part.read(HEAD_BYTES), f"{name} ({member.filename})")


def count_rows(path: Path, layer: str | None) -> int:
    """The records in a dataset, counted without parsing them (an upper bound for text)."""
    suffix = path.suffix.lower()
    if suffix in TEXT_TABLES:
        with open(path, "rb") as stream:
            return max(count_lines(stream) - 1, 0)
    if suffix in EXCEL:
        return max(count_sheet_rows(path) - 1, 0)
    return feature_count(path, layer)


def count_lines(stream: BinaryIO) -> int:
    """Lines in a byte stream (a last line without a newline counts)."""
    lines, last = 0, b"\n"
    while chunk := stream.read(CHUNK):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    return lines + (last != b"\n")


def count_sheet_rows(path: Path) -> int:
    """Rows of the largest worksheet, streamed through its XML."""
    with zipfile.ZipFile(path) as book:
        sheets = [m for m in book.infolist() if m.filename.startswith("xl/worksheets/")
                  and m.filename.endswith(".xml")]
        return max((tag_count(book, sheet) for sheet in sheets), default=0)


def tag_count(book: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    found, tail = 0, b""
    with book.open(member) as part:
        while chunk := part.read(CHUNK):
            # The last 4 bytes carry over, so a tag split across chunks is seen; a whole
            # tag (5 bytes) never fits in them, so none is counted twice.
            window = tail + chunk
            found += sum(window.count(tag) for tag in ROW_TAGS)
            tail = window[-4:]
    return found


def feature_count(path: Path, layer: str | None) -> int:
    """The dataset's own feature count, of `layer` or of its largest layer."""
    try:
        names = [layer] if layer else [str(row[0]) for row in pyogrio.list_layers(path)]
        return max((pyogrio.read_info(path, layer=name, force_feature_count=True)["features"]
                    for name in names), default=0)
    except Exception:  # noqa: BLE001 - the reader gives the file's own error, with its name
        return 0

