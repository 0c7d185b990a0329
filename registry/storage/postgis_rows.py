"""Whole tables of a PostGIS registry in and out, in the canonical row form (`rows`).

Dumps stream through a server-side cursor with timestamps formatted on the server; loads
COPY the rows in with the table's indexes and unique constraints dropped and built once
afterwards (`postgis_indexes`), then move the id sequences past the copied ids.

>>> ewkb_hex(bytes.fromhex("0101000000" + "00" * 16), 4490)[:18]
'01010000208a110000'
"""
from __future__ import annotations

import struct
from itertools import chain
from typing import Any, Callable, Iterable, Iterator

import orjson
import psycopg
from psycopg import sql

from registry.errors import NotFound
from registry.storage import postgis_indexes as indexes
from registry.storage import postgis_schema as schema
from registry.storage.rows import BOOKKEEPING

_SRID_FLAG = 0x20000000
#: Rows a dump fetches from the server at a time.
_FETCH = 20_000


def columns(conn: psycopg.Connection, table: str) -> dict[str, str]:
    """Column name → SQL type of one of the registry's tables; NotFound if none."""
    found = conn.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = "
        "to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (sql.Identifier(table).as_string(conn),)).fetchall()
    if not found:
        raise NotFound(f"the registry has no table {table!r}")
    return dict(found)


def _selected(name: str, kind: str) -> sql.Composable:
    column = sql.Identifier(name)
    if kind == "geometry":
        return sql.SQL("ST_AsBinary({}, 'NDR')").format(column)
    if kind == "timestamp with time zone":
        return schema.iso_text(column)
    return sql.SQL("{}::text").format(column) if kind == "date" else column


def dump(conn: psycopg.Connection, table: str) -> Iterator[dict[str, Any]]:
    """Every row of `table`, canonical (see `Storage.dump_rows`)."""
    kinds = columns(conn, table)
    statement = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(_selected(n, k) for n, k in kinds.items()), sql.Identifier(table))
    names = list(kinds)
    with conn.cursor(name=f"infracensus_dump_{table}") as cursor:
        cursor.itersize = _FETCH
        cursor.execute(statement)
        for row in cursor:
            yield dict(zip(names, row))


def ewkb_hex(wkb: bytes | None, srid: int) -> str | None:
    """Hex EWKB, as COPY text reads a geometry, of 2-D WKB: the SRID goes in after the type."""
    if wkb is None:
        return None
    order = "<" if wkb[0] == 1 else ">"
    kind = struct.unpack(order + "I", wkb[1:5])[0] | _SRID_FLAG
    return (wkb[:1] + struct.pack(order + "Ii", kind, srid) + wkb[5:]).hex()


def _converter(kind: str, srid: int) -> Callable[[Any], Any] | None:
    if kind == "geometry":
        return lambda wkb: ewkb_hex(wkb, srid)
    if kind == "jsonb":
        return lambda value: None if value is None else orjson.dumps(value).decode()
    return None


def load(conn: psycopg.Connection, table: str, rows: Iterable[dict[str, Any]],
         srid: int) -> None:
    """COPY canonical rows into `table` of a new registry, inside the caller's transaction."""
    kinds = columns(conn, table)
    if table in BOOKKEEPING:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    names = list(first)
    converters = [(i, c) for i, c in enumerate(_converter(kinds[n], srid) for n in names) if c]
    with indexes.set_aside(conn, table):
        _copy(conn, table, names, converters, chain([first], iterator))
    _advance_sequences(conn, table, names)


def _copy(conn: psycopg.Connection, table: str, names: list[str],
          converters: list[tuple[int, Callable]], rows: Iterable[dict[str, Any]]) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)))
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            values = [row[n] for n in names]
            for i, convert in converters:
                values[i] = convert(values[i])
            copy.write_row(values)


def _advance_sequences(conn: psycopg.Connection, table: str, names: list[str]) -> None:
    """New rows after a copy must not reuse the copied ids."""
    for column in {"id", "fid"}.intersection(names):
        conn.execute(sql.SQL(
            "SELECT setval(pg_get_serial_sequence({}, {}), m) FROM (SELECT max({}) AS m FROM {})"
            " x WHERE m IS NOT NULL").format(
            sql.Literal(sql.Identifier(table).as_string(conn)), sql.Literal(column),
            sql.Identifier(column), sql.Identifier(table)))
