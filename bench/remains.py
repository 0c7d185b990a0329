"""What remains where Infracensus is slower than its peer, and why: read off profiles.

The profiles were taken with pyinstrument and py-spy on the bench city (1 M points); each text
names where the time goes and what would close the gap. A row shows its text only while it
is more than `SLOWER` times its first peer, so a fixed gap drops out of the table by itself.

>>> remains("10 nearest drains to a point").startswith("candidates")
True
>>> remains("a job nobody profiled")
'not profiled yet'
"""
from __future__ import annotations

SLOWER = 1.5

#: Job-name prefixes, most specific first, and what their profile showed.
_PROFILES: list[tuple[str, str]] = [
    ("bulk add", "Python-side rows into SQLite's `executemany` for the feature table (about a "
     "fifth), rebuilding the secondary indexes once (a tenth), the first versions and the packed "
     "R*Tree; what is left is binding each value through `sqlite3`, where GDAL writes from C"),
    ("500 m box over drains and condition", "as the plain box: the SQL is the direct join's "
     "own with the condition compiled into it; the frame of ~85 rows is about a fifth of the "
     "CPU (0.4 of 2.1 ms)"),
    ("500 m box over drains as of", "snapshots of assets now in the box come through the "
     "R*Tree and the uuid index, but assets moved since are found by comparing the geometry of "
     "every snapshot valid then (a spatial index on snapshots needs a schema migration), and "
     "each snapshot's attributes come out of JSON"),
    ("500 m box over drains", "four fifths of the CPU (4.1 of 5.2 ms) is the R*Tree join "
     "the direct peer runs too, SQLite reading ~460 rows; the frame (blob decode, transpose, "
     "typed blocks) is 1 ms; the 5 ms target falls with the direct join's own time, 4-5 ms "
     "on these busy machines"),
    ("10 nearest", "candidates come from R*Tree windows of a widening metric circle and are "
     "ranked on their ids and geometries in metres; the one 10-row GeoDataFrame built after "
     "is about 0.3 of 1.5 ms CPU, where the in-memory indexes it is compared with return "
     "positions"),
    ("adjacent polygons", "of ~2 s for 3,000 cells (3 M vertices), moving every vertex from "
     "EPSG:4547 to the registry's 4490 is the most (pyproj, 0.5-1 s), then the write (~0.7 s: "
     "WKB, rows, R*Tree), GDAL's read and WKB decode (~0.5 s) and the checks (~0.25 s); the "
     "duplicate check is ~0.03 s, neighbours failing a bounds test in degrees before anything "
     "is projected or measured; ogr2ogr neither reprojects nor checks"),
    ("import", "`Registry.add` is about 70 % of a first import and nearly all of it storage: "
     "the feature rows through SQLite's `executemany`, the secondary indexes rebuilt once, the "
     "packed R*Tree and the first versions; each record is coerced and checked once, by the "
     "importer (about 4 %), and conflation and `add` take it as checked; ogr2ogr copies rows "
     "in C without validating anything"),
    ("re-import", "conflation reads the whole layer back into a frame to match source ids and "
     "compare fields, then `update_many` reads each changed row again (in the registry, then "
     "in storage) and snapshots it into its version; the records are checked once"),
    ("GeoJSON export", "of a 100,000-drain export, `Registry.query` building the full "
     "GeoDataFrame and GeoJSON encoding (one dict per feature, then orjson) are most; the "
     "start-up (Python with geopandas and pyogrio; the CLI loads only the command it runs) "
     "is the rest, and nearly all of the 10,000-drain row; ogr2ogr streams rows from file to "
     "file in C"),
    ("issue a work package", "of ~2 s for 1,000 drains spread over the city, scoring "
     "them is nearly all: the neighbours term (~1.5 s) reads the drains and lamp posts "
     "within 60 m of each (their bounding box, the whole city, took ~25 s), through one box "
     "query per cell of nearby selected drains, ~2,000 queries each building a small frame; "
     "one storage query over many boxes would need a new storage method on both backends; "
     "the incidents term (~0.4 s) reads every case document of the city to count cases per "
     "asset (a per-asset index of cases would need a migration); the export is ~0.1 s. "
     "The peer scores nothing: two queries by uuid and orjson"),
    ("crew return", "of ~1.25 s for 1,000 drains, ~0.45 s is the commit: the registry dirties "
     "about three times the pages the peer does (each superseded state snapshotted in place "
     "into its version row and both version indexes, 2,000 new version rows, the events and "
     "their index), and the peer keeps no history; each of the two `update_many` (the "
     "corrections with the cleaning date, then the conditions: two versions per drain, as "
     "one task alone makes) is ~0.2 s, reading the rows again in the registry and in storage "
     "and writing 1,000 JSON snapshots; reading the tasks' assets and comparing every field "
     "against them ~0.1 s, parsing the GeoJSON ~0.06 s"),
    ("gas isolation", "the trace is scipy connected components over the whole network, twice "
     "per break (the shut-in zone and who loses gas); the building snap, the valve map and the "
     "mains already without gas are kept on the network until the registry changes, so only "
     "the first trace on a new network also snaps every building (its p95)"),
    ("gas renovation scope", "reading what the peer never reads is about half: the 50,000 "
     "mains with their geometry (to measure them), the 250,000 safety valves' courtyard and "
     "building (households per courtyard, a full table scan) and the 400,000 drains' "
     "coordinates (only those in grid cells near a main in scope are projected and tested); "
     "the rest is judging each main and its problems in Python and the events read; counting "
     "valves per courtyard in SQL over an index on (courtyard, building) would take a "
     "migration"),
    ("OGC items", "of ~10 ms CPU a request, the paged R*Tree query is ~6 (SQLite itself "
     "~4, the frame 1), GeoJSON encoding ~2 (a list per column, one dict per feature, then "
     "orjson) and Flask with the links ~1.5"),
    ("MVT", "the row fetch and geometry decode are most of a crowded tile; a z14 tile still "
     "builds a frame of ~2,000 rows"),
    ("PostGIS bulk import", "about two thirds is the server storing each asset with seven "
     "indexes and a version row (rebuilt once per large load), a fifth the registry's own "
     "validation, grids and GB/T codes, the rest formatting the COPY payload in Arrow; ogr2ogr "
     "writes one table with two indexes"),
    ("PostGIS: import", "about 60 % is the server storing the rows (COPY into a table with "
     "seven indexes, then the first version rows), reading the files about 15 % and "
     "normalising the contractors' spellings, dates and units about a fifth; ogr2ogr writes "
     "each file into one table with two indexes and parses nothing"),
    ("PostGIS: OGC items", "point pages are written from the rows PostGIS returns, with no "
     "frame (~2 ms CPU a request, from ~6): Feature dicts and orjson ~1.2, Flask and the "
     "links ~0.5, plan and row decode ~0.4; the rest is the server's ~1.1 ms for the sorted "
     "page plus ~2 ms sending ~450 rows, and the HTTP floor (~2.4 ms for /conformance). "
     "Server-written GeoJSON was tried: PostgreSQL's float text differs from orjson's and "
     "to_json per value cost the server more (+1.7 ms) than it saved here"),
    ("PostGIS: MVT", "dense city-centre tiles hold 5,000-7,000 drains: clustering them on the "
     "server costs about what the hand query spends encoding every point"),
    ("PostGIS: drains, 10 nearest", "the registry's nearest is exact in metres: k "
     "index-nearest seeds, then a within-distance re-rank through ST_Transform, so the "
     "server executes ~0.4 ms against ~0.15 for the hand KNN in degrees (two index scans "
     "and ~30 point transforms against one scan); planning is gone (one generic plan) and "
     "the statement is rendered once, leaving the client the 10-row frame (~0.2 ms) and "
     "~0.1 of plan, pool and psycopg"),
    ("PostGIS: drains", "the frame (WKB decode, typed blocks) is ~0.7 of ~1.9 ms CPU for 460 "
     "rows, where the hand SQL returns tuples; the server runs the registry's SQL in the time "
     "it runs the hand query"),
]


def remains(job: str) -> str:
    """The profile's finding for `job`, or that it has none yet."""
    return next((text for prefix, text in _PROFILES if job.startswith(prefix)),
                "not profiled yet")
