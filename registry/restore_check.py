"""What a restore lets in: only the triggers, views and functions the registry itself makes.

A backup is a file from somewhere; restored as it is, a planted trigger would rewrite every
later change (or the audit trail) behind the application's back. So before anything is
written, a GeoPackage backup's triggers, views and virtual tables are compared, statement
by statement, with those its own schema creates (the GeoPackage R*Tree triggers of each
feature table, the append-only guards), and a PostGIS dump's SQL is read for functions,
triggers, views, rules, ``DO`` blocks and psql commands the registry's schema does not
have. Any other one refuses the restore, naming it.

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.execute("CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT)")
>>> _ = conn.execute("CREATE VIEW everything AS SELECT 1")
>>> gpkg_strangers(conn)
['view everything']
"""
from __future__ import annotations

import inspect
import re
import sqlite3
from functools import cache

from registry.storage import gpkg_schema, postgis_schema

_TRIGGER_NAME = re.compile(r'CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?', re.I)


def _normal(statement: str) -> str:
    return " ".join(statement.replace(";", " ").split()).lower()


def _statements(script: str) -> list[str]:
    found, statement = [], ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            found.append(statement.strip())
            statement = ""
    return found


def _gpkg_expected(feature_tables: list[str]) -> dict[str, str]:
    """Name → normalised SQL of every trigger and virtual table the registry's schema makes."""
    scripts = [gpkg_schema.CORE, gpkg_schema.REGISTRY_TABLES]
    scripts += [ddl for _, ddl in gpkg_schema.MIGRATIONS.values()]
    scripts += [gpkg_schema.rtree_triggers(t) + gpkg_schema.rtree_table(t) for t in feature_tables]
    expected: dict[str, str] = {}
    for statement in (s for script in scripts for s in _statements(script)):
        trigger = _TRIGGER_NAME.match(statement)
        table = re.match(r'CREATE\s+VIRTUAL\s+TABLE\s+"?(\w+)"?', statement, re.I)
        for match in (trigger, table):
            if match:
                expected[match.group(1)] = _normal(statement)
    return expected


def gpkg_strangers(conn: sqlite3.Connection) -> list[str]:
    """Triggers, views and virtual tables of a GeoPackage that its schema would not make."""
    tables = [t for (t,) in conn.execute(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
    expected = _gpkg_expected(tables)
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN "
                        "('trigger', 'view') OR sql LIKE 'CREATE VIRTUAL TABLE%'").fetchall()
    return [f"{kind} {name}" for kind, name, sql in rows
            if kind == "view" or expected.get(name) != _normal(sql or "")]


@cache
def _postgis_expected() -> tuple[frozenset[str], dict[str, str]]:
    """Trigger names and function bodies (normalised) of the PostGIS schema."""
    source = inspect.getsource(postgis_schema)
    triggers = frozenset(re.findall(r"CREATE\s+TRIGGER\s+(\w+)", source, re.I))
    bodies = {name: _normal(body) for name, body in re.findall(
        r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\(.*?AS\s+\$\$(.*?)\$\$", source,
        re.I | re.S)}
    return triggers, bodies


#: Statements of a pg_restore script that create code or run it.
_CODE = re.compile(r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?"
                   r"(?P<kind>FUNCTION|PROCEDURE|TRIGGER|VIEW|MATERIALIZED\s+VIEW|RULE|"
                   r"EVENT\s+TRIGGER|AGGREGATE|OPERATOR)\s+(?P<name>[\w.\"]+)"
                   r"|(?P<other>DO\b|ALTER\s+TABLE\s+.*\b(?:DISABLE|ENABLE)\s+TRIGGER\b|"
                   r"ALTER\s+FUNCTION\b|COPY\b.*\bPROGRAM\b))", re.I | re.M)
_FUNCTION = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:public\.)?(\w+)\(.*?"
                       r"AS\s+(\$\w*\$)(.*?)\2", re.I | re.S)
#: psql commands pg_restore itself writes (15.14+: \restrict ... \unrestrict).
_SAFE_META = ("\\.", "\\restrict", "\\unrestrict")


def postgis_strangers(script: str) -> list[str]:
    """Code in a pg_restore script that the registry's PostGIS schema does not create."""
    triggers, bodies = _postgis_expected()
    found = []
    for match in _CODE.finditer(_without_copy_data(script)):
        if match.group("other"):
            found.append(" ".join(match.group("other").split()[:2]).lower())
            continue
        kind = " ".join(match.group("kind").split()).lower()
        name = match.group("name").replace('"', "").removeprefix("public.")
        if not (kind == "trigger" and name in triggers or kind == "function" and name in bodies):
            found.append(f"{kind} {name}")
    for name, _, body in _FUNCTION.findall(script):
        if name in bodies and _normal(body) != bodies[name]:
            found.append(f"function {name} (its body differs)")
    found += [f"psql command {line.split()[0]}" for line in _meta_lines(script)]
    return found


def _without_copy_data(script: str) -> str:
    """The script without the rows of its COPY blocks (data may look like anything)."""
    kept, in_copy = [], False
    for line in script.splitlines():
        if in_copy:
            in_copy = line != "\\."
            continue
        kept.append(line)
        in_copy = bool(re.match(r"COPY\s.*\bFROM\s+stdin;\s*$", line, re.I))
    return "\n".join(kept)


def _meta_lines(script: str) -> list[str]:
    return [line for line in _without_copy_data(script).splitlines()
            if line.startswith("\\") and not line.startswith(_SAFE_META)]
