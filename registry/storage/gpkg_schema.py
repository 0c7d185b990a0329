"""The GeoPackage schema: OGC core tables, one feature table per layer with its R*Tree, and the
registry's own attribute tables (versions, events, batches, serials, settings, migrations).

Everything here is DDL text; `gpkg.py` runs it. Migrations are numbered and, once released,
never edited.
"""
from __future__ import annotations

from registry.layers import SOURCE_ATTRIBUTES, Layer

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400  # GeoPackage 1.4

SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "date": "DATE", "bool": "BOOLEAN"}

CORE = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL
    DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
"""

REGISTRY_TABLES = """
CREATE TABLE infracensus_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE infracensus_migrations (
  version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);
CREATE TABLE asset_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL, layer TEXT NOT NULL,
  fid INTEGER NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
  valid_from TEXT NOT NULL, valid_to TEXT, who TEXT NOT NULL, why TEXT, source TEXT NOT NULL,
  ref TEXT, geom BLOB, attributes TEXT);
CREATE UNIQUE INDEX asset_versions_uuid ON asset_versions (uuid, version);
CREATE INDEX asset_versions_window ON asset_versions (layer, valid_to, valid_from);
CREATE TABLE maintenance_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_uuid TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL,
  layer TEXT NOT NULL, kind TEXT NOT NULL, date TEXT NOT NULL, crew TEXT,
  condition_before TEXT, condition_after TEXT, cost REAL, notes TEXT,
  recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL, source TEXT, ref TEXT);
CREATE INDEX maintenance_events_asset ON maintenance_events (uuid, date);
CREATE TRIGGER maintenance_events_no_update BEFORE UPDATE ON maintenance_events
BEGIN SELECT RAISE(ABORT, 'maintenance events are append-only'); END;
CREATE TRIGGER maintenance_events_no_delete BEFORE DELETE ON maintenance_events
BEGIN SELECT RAISE(ABORT, 'maintenance events are append-only'); END;
CREATE TABLE import_batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, batch_uuid TEXT NOT NULL UNIQUE, layer TEXT NOT NULL,
  file_name TEXT NOT NULL, checksum TEXT, who TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT, encoding TEXT, encoding_note TEXT, crs TEXT, crs_note TEXT,
  counts TEXT, options TEXT);
CREATE TABLE gbt_serials (class_code TEXT PRIMARY KEY, last_serial INTEGER NOT NULL);
"""

#: Attribute tables GDAL and QGIS should list (history is part of the registry, in the open).
ATTRIBUTE_TABLES = {
    "asset_versions": "Every version of every asset (资产版本)",
    "maintenance_events": "Maintenance events, append-only (维护记录)",
    "import_batches": "Survey import batches (导入批次)",
}


def geometry_type_name(layer: Layer) -> str:
    """The single GPKG geometry type of a layer, or GEOMETRY when it admits several."""
    return layer.geometry[0].upper() if len(layer.geometry) == 1 else "GEOMETRY"


def feature_table(layer: Layer) -> str:
    columns = [
        "fid INTEGER PRIMARY KEY AUTOINCREMENT",
        f"geom {geometry_type_name(layer)}",
        "uuid TEXT NOT NULL", "gbt_code TEXT", "source_id TEXT",
        "grid_code TEXT", "state TEXT NOT NULL", "version INTEGER NOT NULL",
        "created_at DATETIME NOT NULL", "updated_at DATETIME NOT NULL", "retired_at DATETIME",
    ] + [f'"{f.name}" {SQL_TYPES[f.type]}' for f in layer.fields] + [f"{SOURCE_ATTRIBUTES} TEXT"]
    return f'CREATE TABLE "{layer.name}" ({", ".join(columns)});\n' + feature_indexes(layer.name)


#: Secondary indexes of a feature table: (column, unique). Named, so that a bulk load can drop
#: them and build each once at the end — sorting once beats a million random B-tree inserts.
FEATURE_INDEXES = (("uuid", True), ("gbt_code", True), ("source_id", False),
                   ("grid_code", False), ("updated_at", False))


def feature_indexes(table: str) -> str:
    return "".join(f'CREATE {"UNIQUE " if unique else ""}INDEX "{table}_{column}" '
                   f'ON "{table}" ({column});\n' for column, unique in FEATURE_INDEXES)


def drop_feature_indexes(table: str) -> str:
    return "".join(f'DROP INDEX "{table}_{column}";\n' for column, _ in FEATURE_INDEXES)


def rtree_table(table: str) -> str:
    return (f'CREATE VIRTUAL TABLE "rtree_{table}_geom" USING rtree(id, minx, maxx, miny, maxy);\n'
            f"INSERT INTO gpkg_extensions VALUES ('{table}', 'geom', 'gpkg_rtree_index', "
            "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');\n")


def rtree_triggers(table: str) -> str:
    """The GeoPackage 1.2 R*Tree maintenance triggers, for edits made by QGIS or GDAL."""
    t, r = f'"{table}"', f'"rtree_{table}_geom"'
    bounds = "ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
    not_empty = "(NEW.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))"
    return f"""
CREATE TRIGGER "rtree_{table}_geom_insert" AFTER INSERT ON {t} WHEN {not_empty}
BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, {bounds}); END;
CREATE TRIGGER "rtree_{table}_geom_update1" AFTER UPDATE OF geom ON {t}
WHEN OLD.fid = NEW.fid AND {not_empty}
BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, {bounds}); END;
CREATE TRIGGER "rtree_{table}_geom_update2" AFTER UPDATE OF geom ON {t}
WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
CREATE TRIGGER "rtree_{table}_geom_update3" AFTER UPDATE ON {t}
WHEN OLD.fid != NEW.fid AND {not_empty}
BEGIN DELETE FROM {r} WHERE id = OLD.fid; INSERT OR REPLACE INTO {r} VALUES (NEW.fid, {bounds}); END;
CREATE TRIGGER "rtree_{table}_geom_update4" AFTER UPDATE ON {t}
WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER "rtree_{table}_geom_delete" AFTER DELETE ON {t} WHEN OLD.geom NOT NULL
BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
"""


VERSION_INDEXES = """
CREATE UNIQUE INDEX asset_versions_uuid ON asset_versions (uuid, version);
CREATE INDEX asset_versions_window ON asset_versions (layer, valid_to, valid_from);
"""
DROP_VERSION_INDEXES = "DROP INDEX asset_versions_uuid;\nDROP INDEX asset_versions_window;\n"


def drop_rtree_triggers(table: str) -> str:
    names = ["insert", "update1", "update2", "update3", "update4", "delete"]
    return "".join(f'DROP TRIGGER "rtree_{table}_geom_{n}";\n' for n in names)


#: Numbered migrations after the initial schema (version 1). Never edit a released one.
MIGRATIONS: dict[int, tuple[str, str]] = {
    2: ("documents and journal (cases, plans, work packages, audit)", """
CREATE TABLE registry_documents (
  kind TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE registry_journal (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL,
  at TEXT NOT NULL, who TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX registry_journal_key ON registry_journal (kind, key, id);
CREATE TRIGGER registry_journal_no_update BEFORE UPDATE ON registry_journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER registry_journal_no_delete BEFORE DELETE ON registry_journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
  ('registry_documents', 'attributes', 'registry_documents', 'Cases, plans, work packages (文档)'),
  ('registry_journal', 'attributes', 'registry_journal', 'Append-only journal (日志)');
"""),
    3: ("journal by kind and time (the audit trail's newest entries)", """
CREATE INDEX registry_journal_at ON registry_journal (kind, at, id);
"""),
    4: ("source attributes on every layer table (the survey record, verbatim)", ""),
    5: ("archive of delivered survey files, one per checksum", """
CREATE TABLE survey_files (
  checksum TEXT PRIMARY KEY, file_name TEXT NOT NULL, packing TEXT NOT NULL,
  size INTEGER NOT NULL, content BLOB NOT NULL, archived_at TEXT NOT NULL);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
  ('survey_files', 'attributes', 'survey_files', 'Delivered survey files, as delivered (原始文件)');
"""),
}

#: Columns a migration adds to every feature table (those the registry holds then, and any
#: that lacks it): version -> (column, SQL type). Additive only: existing rows get NULL.
FEATURE_COLUMNS: dict[int, tuple[str, str]] = {4: (SOURCE_ATTRIBUTES, "TEXT")}


def add_feature_column(table: str, column: str, kind: str) -> str:
    """DDL adding one column to a feature table.

    >>> add_feature_column("drains", "source_attributes", "TEXT")
    'ALTER TABLE "drains" ADD COLUMN "source_attributes" TEXT;'
    """
    return f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind};'
