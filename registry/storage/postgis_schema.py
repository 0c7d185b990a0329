"""The PostGIS schema: the same tables and columns as the GeoPackage (`gpkg_schema`), in
PostgreSQL types — one feature table per layer with a GiST index, and the registry's own
tables (settings, migrations, versions, append-only events, batches, serials).

Statements are composed with `psycopg.sql`; identifiers come only from layer definitions.

>>> from registry.layers import load_layers
>>> from psycopg.sql import SQL
>>> ddl = SQL("; ").join(feature_table(load_layers()["drains"], 4490)).as_string(None)
>>> "geometry(Point, 4490)" in ddl and "USING gist" in ddl
True
"""
from __future__ import annotations

from psycopg import sql

from registry.layers import SOURCE_ATTRIBUTES, Layer

SQL_TYPES = {"text": "text", "int": "bigint", "float": "double precision", "date": "date",
             "bool": "boolean"}
#: SQL types of the system columns (`registry.layers.SYSTEM_COLUMNS`), GeoPackage order.
# Keys compare byte-wise (COLLATE "C"): a locale's collation makes every index step on a
# random UUID several times slower, and buys nothing for codes.
SYSTEM_TYPES = {"uuid": 'text COLLATE "C" NOT NULL UNIQUE', "gbt_code": 'text COLLATE "C" UNIQUE',
                "source_id": 'text COLLATE "C"', "grid_code": 'text COLLATE "C"',
                "state": "text NOT NULL", "version": "integer NOT NULL",
                "created_at": "timestamptz NOT NULL", "updated_at": "timestamptz NOT NULL",
                "retired_at": "timestamptz"}
#: The field type each system column filters and converts as.
SYSTEM_FIELD_TYPES = {"version": "int", "created_at": "timestamp", "updated_at": "timestamp",
                      "retired_at": "timestamp"}

REGISTRY_TABLES = """
CREATE TABLE infracensus_settings (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE infracensus_migrations (
  version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL);
CREATE TABLE asset_versions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, uuid text COLLATE "C" NOT NULL,
  layer text NOT NULL, fid bigint NOT NULL, version integer NOT NULL, kind text NOT NULL,
  valid_from timestamptz NOT NULL, valid_to timestamptz, who text NOT NULL, why text,
  source text NOT NULL, ref text, geom geometry(Geometry, {srid}), attributes jsonb,
  UNIQUE (uuid, version));
CREATE INDEX asset_versions_window ON asset_versions (layer, valid_to, valid_from);
CREATE TABLE maintenance_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_uuid text COLLATE "C" NOT NULL UNIQUE, uuid text COLLATE "C" NOT NULL,
  layer text NOT NULL, kind text NOT NULL, date text NOT NULL, crew text,
  condition_before text, condition_after text, cost double precision, notes text,
  recorded_at text NOT NULL, recorded_by text NOT NULL, source text, ref text);
CREATE INDEX maintenance_events_asset ON maintenance_events (uuid, date);
CREATE FUNCTION infracensus_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% are append-only', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER maintenance_events_append_only BEFORE UPDATE OR DELETE ON maintenance_events
  FOR EACH ROW EXECUTE FUNCTION infracensus_append_only();
CREATE TRIGGER maintenance_events_no_truncate BEFORE TRUNCATE ON maintenance_events
  FOR EACH STATEMENT EXECUTE FUNCTION infracensus_append_only();
CREATE TABLE import_batches (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, batch_uuid text NOT NULL UNIQUE,
  layer text NOT NULL, file_name text NOT NULL, checksum text, who text NOT NULL,
  started_at text NOT NULL, finished_at text, encoding text, encoding_note text, crs text,
  crs_note text, counts text, options text);
CREATE TABLE gbt_serials (class_code text PRIMARY KEY, last_serial bigint NOT NULL);
"""

#: Numbered migrations after the initial schema (version 1). Never edit a released one.
MIGRATIONS: dict[int, tuple[str, str]] = {
    2: ("documents and journal (cases, plans, work packages, audit)", """
CREATE TABLE registry_documents (
  kind text NOT NULL, key text COLLATE "C" NOT NULL, version integer NOT NULL,
  body jsonb NOT NULL, created_at text NOT NULL, updated_at text NOT NULL,
  PRIMARY KEY (kind, key));
CREATE TABLE registry_journal (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL,
  key text COLLATE "C" NOT NULL, at text NOT NULL, who text NOT NULL, entry jsonb NOT NULL);
CREATE INDEX registry_journal_key ON registry_journal (kind, key, id);
CREATE TRIGGER registry_journal_append_only BEFORE UPDATE OR DELETE ON registry_journal
  FOR EACH ROW EXECUTE FUNCTION infracensus_append_only();
CREATE TRIGGER registry_journal_no_truncate BEFORE TRUNCATE ON registry_journal
  FOR EACH STATEMENT EXECUTE FUNCTION infracensus_append_only();
"""),
    3: ("journal by kind and time (the audit trail's newest entries)", """
CREATE INDEX registry_journal_at ON registry_journal (kind, at, id);
"""),
    4: ("source attributes on every layer table (the survey record, verbatim)", ""),
    5: ("archive of delivered survey files, one per checksum", """
CREATE TABLE survey_files (
  checksum text COLLATE "C" PRIMARY KEY, file_name text NOT NULL, packing text NOT NULL,
  size bigint NOT NULL, content bytea NOT NULL, archived_at text NOT NULL);
"""),
}

#: Columns a migration adds to every feature table (as `gpkg_schema.FEATURE_COLUMNS`).
FEATURE_COLUMNS: dict[int, tuple[str, str]] = {4: (SOURCE_ATTRIBUTES, "text")}

#: The feature tables of the current schema: the only tables with a `retired_at` column.
FEATURE_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
  AND a.attname = 'retired_at' AND NOT a.attisdropped
  AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attname = %s
                  AND NOT b.attisdropped)
ORDER BY c.relname"""


def add_feature_column(table: str, column: str, kind: str) -> sql.Composed:
    """DDL adding one column to a feature table."""
    return sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
        sql.Identifier(table), sql.Identifier(column), sql.SQL(kind))


def registry_tables(srid: int) -> sql.Composed:
    """DDL of the registry's own tables; the snapshot geometry column carries the storage srid."""
    return sql.SQL(REGISTRY_TABLES).format(srid=sql.Literal(srid))


def geometry_type(layer: Layer) -> str:
    """The PostGIS type modifier: the layer's single geometry type, or Geometry if several."""
    return layer.geometry[0] if len(layer.geometry) == 1 else "Geometry"


def output(layer: Layer, column: str, alias: str = "t") -> sql.Composable:
    """A column as the GeoPackage backend returns it: timestamps and dates as ISO text.

    >>> from registry.layers import load_layers
    >>> output(load_layers()["drains"], "last_cleaned").as_string(None)
    '"t"."last_cleaned"::text'
    """
    ref = sql.Identifier(alias, column)
    kind = field_type(layer, column)
    if kind == "timestamp":
        return iso_text(ref)
    return sql.SQL("{}::text").format(ref) if kind == "date" else ref


def iso_text(moment: sql.Composable) -> sql.Composable:
    """A timestamptz as `registry.change.iso` writes it: UTC, milliseconds, ``Z``."""
    return sql.SQL("""to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""").format(
        moment)


def field_type(layer: Layer, column: str) -> str:
    """The field type (text, int, float, date, bool, timestamp) a column filters as."""
    if column in SYSTEM_TYPES or column == SOURCE_ATTRIBUTES:
        return SYSTEM_FIELD_TYPES.get(column, "text")
    return layer.field(column).type


def feature_table(layer: Layer, srid: int) -> list[sql.Composed]:
    """CREATE TABLE and index statements for a layer's feature table."""
    table = sql.Identifier(layer.name)
    columns = [
        # Bulk loads number their rows themselves (under a table lock), as GeoPackage does.
        sql.SQL("fid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        sql.SQL("geom geometry({}, {})").format(sql.SQL(geometry_type(layer)), sql.Literal(srid)),
        *(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
          for name, kind in SYSTEM_TYPES.items()),
        *(sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(SQL_TYPES[f.type]))
          for f in layer.fields),
        # text, not jsonb: jsonb reorders keys, and the file's column order is kept.
        sql.SQL("{} text").format(sql.Identifier(SOURCE_ATTRIBUTES))]
    create = sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(columns))
    return [create, *(index(layer.name, column) for column in INDEXED)]


#: Secondary indexes of every feature table, besides the unique ones (method, column).
INDEXED = ("geom", "source_id", "grid_code", "updated_at")


def index(table: str, column: str) -> sql.Composed:
    """CREATE INDEX for one of the `INDEXED` columns (GiST for the geometry)."""
    method = "gist" if column == "geom" else "btree"
    return sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
        sql.Identifier(f"{table}_{column}"), sql.Identifier(table), sql.SQL(method),
        sql.Identifier(column))
