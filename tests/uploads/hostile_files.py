"""Hostile survey files, made on the spot: each is small to send and costly to read."""
from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import shapely


def geopackage(folder: Path, name: str = "drains.gpkg") -> Path:
    """A GeoPackage as GDAL writes one (spatial index, its triggers): a good survey."""
    path = folder / name
    gpd.GeoDataFrame({"source_id": ["GP1", "GP2"], "depth_m": [1.2, 1.5]},
                     geometry=shapely.points([114.50, 114.51], [38.04, 38.04]),
                     crs=4490).to_file(path, layer="drains")
    return path


def recursive_view_geopackage(folder: Path) -> bytes:
    """A ~100 KB GeoPackage whose layer ``bomb`` is a view over an endless recursive CTE."""
    path = geopackage(folder, "bomb.gpkg")
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE VIEW bomb AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
                SELECT n.i AS fid, d.geom AS geom, d.source_id AS source_id FROM n, drains d;
            INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
                VALUES ('bomb', 'features', 'bomb', 4490);
            INSERT INTO gpkg_geometry_columns VALUES ('bomb', 'geom', 'POINT', 4490, 0, 0);
        """)
    return path.read_bytes()


def planted_geopackage(folder: Path) -> bytes:
    """A GeoPackage carrying a trigger and a virtual table of its own."""
    path = geopackage(folder, "planted.gpkg")
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TRIGGER wipe AFTER INSERT ON drains BEGIN DELETE FROM drains; END;
            CREATE VIRTUAL TABLE notes USING fts5(body);
        """)
    return path.read_bytes()


def csv_rows(count: int) -> bytes:
    """A CSV survey of `count` distinct points (not very compressible, like a real one)."""
    return b"source_id,lon,lat\n" + b"".join(
        b"C%d,114.%06d,38.%06d\n" % (i, 400000 + i % 200000, (i * 7919) % 999999)
        for i in range(count))


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def workbook(rows: int = 2) -> bytes:
    """A real .xlsx survey, as openpyxl writes one."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["source_id", "lon", "lat"])
    for i in range(rows):
        sheet.append([f"X{i}", 114.5 + i / 1000, 38.04])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(xlsx: bytes, member: str, content: bytes) -> bytes:
    """The workbook with one part replaced."""
    source, buffer = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == member
                            else source.read(info))
    return buffer.getvalue()


def huge_sheet_workbook(unpacked_bytes: int) -> bytes:
    """A workbook of ~1 MB whose sheet XML unpacks to `unpacked_bytes`."""
    row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c></row>'
    count = unpacked_bytes // len(row % (10**6, 10**6, 10**6))
    body = b"".join(row % (i, i, i) for i in range(1, count + 1))
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + body +
             b"</sheetData></worksheet>")
    return rewritten(workbook(), "xl/worksheets/sheet1.xml", sheet)


def dtd_workbook() -> bytes:
    """A workbook whose shared parts declare entities ("billion laughs" in an .xlsx)."""
    book = workbook()
    original = zipfile.ZipFile(io.BytesIO(book)).read("xl/workbook.xml")
    declaration = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE workbook [<!ENTITY a '
                   b'"aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')
    body = original.split(b"?>", 1)[-1].lstrip()  # openpyxl may write no XML declaration
    return rewritten(book, "xl/workbook.xml", declaration + body)
