"""A table's indexes set aside for a bulk load and built once after it.

Keeping an index up to date costs a random descent per row (about 10 µs on these machines
for a text key such as a UUID); building it afterwards sorts once (about 2 µs per row of
the whole table). A load of at least half the table's size is therefore faster with every
index, the primary key and unique constraints included, dropped first and built again from
their own definitions, read from the catalogue. A duplicate then fails when its unique
constraint is rebuilt, with the same error as during the load. Dropping an index locks the
table until commit, which a bulk load into one table does anyway.

>>> worth_rebuilding(400_000, 0), worth_rebuilding(400_000, 2_000_000), worth_rebuilding(10, 0)
(True, False, False)
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg import sql

#: A load smaller than this keeps its indexes whatever the table's size.
BULK_ROWS = 50_000


def worth_rebuilding(rows: int, stored: int) -> bool:
    """Whether loading `rows` into a table of `stored` rows is faster without its indexes."""
    return rows >= BULK_ROWS and 2 * rows >= stored


@contextmanager
def set_aside(conn: psycopg.Connection, table: str, rebuild: bool = True) -> Iterator[None]:
    """Drop the table's indexes and constraint indexes (when `rebuild`); build them after."""
    if not rebuild:
        yield
        return
    # Each build sorts its keys in memory rather than in temporary files.
    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    name = sql.Identifier(table)
    constraints, indexes = _definitions(conn, name.as_string(conn))
    for constraint, _ in constraints:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            name, sql.Identifier(constraint)))
    for index, _ in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
    yield
    for constraint, definition in constraints:
        conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            name, sql.Identifier(constraint), sql.SQL(definition)))
    for _, definition in indexes:
        conn.execute(sql.SQL(definition))
    # The planner must know the table grew, or its next queries plan for an empty one.
    conn.execute(sql.SQL("ANALYZE {}").format(name))


def _definitions(conn: psycopg.Connection, quoted: str
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, definition) of the primary key and unique constraints, then of other indexes."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
        "to_regclass(%s) AND contype IN ('p', 'u') ORDER BY conname", (quoted,)).fetchall()
    indexes = conn.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON "
        "c.oid = i.indexrelid WHERE i.indrelid = to_regclass(%s) AND NOT EXISTS (SELECT 1 "
        "FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
        (quoted,)).fetchall()
    return constraints, indexes
