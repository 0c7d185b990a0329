"""Look inside an uploaded GeoPackage (SQLite) before GDAL reads it.

A GeoPackage layer may be a view, and a view is a query: a 96 KB file whose layer is a view
over a recursive CTE makes the reader compute rows forever. Virtual tables run module code
and triggers run SQL on writes. Survey files need none of these, so any view, any virtual
table and any trigger is refused, except what the GeoPackage standard and GDAL themselves
create: the spatial index (``rtree_<table>_<column>`` virtual tables ``USING rtree`` and
their triggers), the tile-matrix checks (``gpkg_tile_matrix_*``) and GDAL's feature-count
triggers. The file is opened read-only and immutable, with ``trusted_schema=OFF``, and only
``sqlite_master`` is read.

>>> describe({"type": "view", "name": "bomb", "tbl_name": "bomb", "sql": "CREATE VIEW ..."})
"view 'bomb'"
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

from registry.errors import InvalidInput

#: How the spatial index's triggers end (GeoPackage standard, OGC 12-128r18, annex F.3).
RTREE_TRIGGER_END = re.compile(r"_(insert|update[1-7]?|delete)$")
RTREE = re.compile(r'^CREATE VIRTUAL TABLE\s+"?rtree_[^"]+"?\s+USING\s+rtree\s*\(', re.IGNORECASE)
#: What a standard trigger's body never holds: a nested query over other data.
NOT_IN_STANDARD_TRIGGERS = re.compile(r"\b(WITH|RECURSIVE|ATTACH|PRAGMA|load_extension)\b",
                                      re.IGNORECASE)


def check_sqlite(path: Path, name: str) -> None:
    """InvalidInput naming every view, virtual table or trigger `path` should not hold."""
    refused = [describe(entry) for entry in schema(path, name) if not allowed(entry)]
    if refused:
        listed = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise InvalidInput(f"{name}: holds {listed}; GeoPackage uploads with views, triggers "
                           "or virtual tables are refused (a survey needs only tables)")


def schema(path: Path, name: str) -> list[dict]:
    """``sqlite_master`` as dicts, read without running anything the file defines."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(f"{name}: not a readable SQLite database ({exc})") from None
    try:
        connection.execute("PRAGMA trusted_schema=OFF")
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        return [dict(row) for row in rows]
    except sqlite3.Error as exc:  # a damaged or forged schema
        raise InvalidInput(f"{name}: not a readable SQLite database ({exc})") from None
    finally:
        connection.close()


def allowed(entry: dict) -> bool:
    """Tables and indexes, the spatial index's virtual tables and the standard triggers."""
    sql = entry["sql"] or ""
    if entry["type"] == "view":
        return False
    if entry["type"] == "table" and sql.upper().lstrip().startswith("CREATE VIRTUAL"):
        return bool(RTREE.match(sql.strip()))
    if entry["type"] == "trigger":
        return standard_trigger(entry["name"], entry["tbl_name"], sql)
    return True


def standard_trigger(name: str, table: str, sql: str) -> bool:
    """A trigger the standard or GDAL creates, named after the table it sits on."""
    if NOT_IN_STANDARD_TRIGGERS.search(sql):
        return False
    return ((name.startswith(f"rtree_{table}_") and bool(RTREE_TRIGGER_END.search(name)))
            or name in (f"trigger_insert_feature_count_{table}",
                        f"trigger_delete_feature_count_{table}")
            or (table in ("gpkg_tile_matrix", "gpkg_metadata", "gpkg_metadata_reference")
                and name.startswith(f"{table}_")))


def describe(entry: dict) -> str:
    kind = "virtual table" if (entry["sql"] or "").upper().lstrip().startswith(
        "CREATE VIRTUAL") else entry["type"]
    return f"{kind} {entry['name']!r}"
