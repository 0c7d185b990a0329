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
    ("500 m box over drains and condition", "as the plain box: building the GeoDataFrame is "
     "about half of a query of a few dozen rows; the filter itself is compiled into the SQL "
     "and costs little"),
    ("500 m box over drains as of", "snapshots of assets now in the box come through the "
     "R*Tree and the uuid index, but assets moved since are found by comparing the geometry of "
     "every snapshot valid then (a spatial index on snapshots needs a schema migration), and "
     "each snapshot's attributes come out of JSON"),
    ("500 m box over drains", "building the GeoDataFrame is about half of a query of ~460 "
     "rows; the SQL and the row-to-column transpose are most of the rest"),
    ("10 nearest", "candidates come from R*Tree windows of a widening metric circle and are "
     "ranked on their ids and geometries; the one 10-row GeoDataFrame built after costs a few "
     "ms of the total, where the in-memory indexes it is compared with return positions"),
    ("import", "`Registry.add` is about 70 % of a first import and nearly all of it storage: "
     "the feature rows through SQLite's `executemany`, the secondary indexes rebuilt once, the "
     "packed R*Tree and the first versions; each record is coerced and checked once, by the "
     "importer (about 4 %), and conflation and `add` take it as checked; ogr2ogr copies rows "
     "in C without validating anything"),
    ("re-import", "conflation reads the whole layer back into a frame to match source ids and "
     "compare fields, then `update_many` reads each changed row again (in the registry, then "
     "in storage) and snapshots it into its version; the records are checked once"),
    ("GeoJSON export", "of a 100,000-drain export: the CLI's start-up (`web.cli.main` imports "
     "every command, with Flask and geopandas) about 40 %, `Registry.query` building a full "
     "GeoDataFrame about a third, GeoJSON encoding (one dict per feature, then orjson) a "
     "fifth; ogr2ogr streams rows from file to file in C"),
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
    ("OGC items", "`Registry.query` is about 60 % of the request and GeoJSON encoding the "
     "rest (one dict per feature, then orjson)"),
    ("MVT", "the row fetch and geometry decode are most of a crowded tile; a z14 tile still "
     "builds a frame of ~2,000 rows"),
    ("PostGIS bulk import", "about two thirds is the server storing each asset with seven "
     "indexes and a version row (rebuilt once per large load), a fifth the registry's own "
     "validation, grids and GB/T codes, the rest formatting the COPY payload in Arrow; ogr2ogr "
     "writes one table with two indexes"),
    ("PostGIS: OGC items", "about two thirds of a request is the query and its GeoDataFrame, "
     "the rest GeoJSON encoding"),
    ("PostGIS: MVT", "dense city-centre tiles hold 5,000-7,000 drains: clustering them on the "
     "server costs about what the hand query spends encoding every point"),
    ("PostGIS: drains", "building the GeoDataFrame costs 3-7 ms for 21 columns whatever the "
     "row count, where the hand SQL returns tuples; against a hand query of about 1 ms, 2x "
     "cannot be reached while a query answers with a frame"),
]


def remains(job: str) -> str:
    """The profile's finding for `job`, or that it has none yet."""
    return next((text for prefix, text in _PROFILES if job.startswith(prefix)),
                "not profiled yet")
