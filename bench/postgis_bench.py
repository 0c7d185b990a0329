"""The PostGIS benchmarks of issue 7: the city's points added with `reg.add`, and its survey
files imported end to end with `import_survey`, each beside ``ogr2ogr -f PostgreSQL``; the
registry's queries beside the same query written by hand in
SQL on the same tables (the floor); OGC API items over HTTP beside pygeoapi's PostgreSQL
provider on the same table; and `/tiles` beside a hand-written ``ST_AsMVT`` query.

The job starts its own PostgreSQL cluster, as the test suite does (`tests/postgis_server.py`:
a throw-away data directory, fsync off), and removes it afterwards. The first timed import
is the registry the other figures query.

    python -m bench --only postgis
"""
from __future__ import annotations

import json
import os
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import psycopg
import shapely

import registry
from bench.cache import COUNTY, add_points, with_grids
from bench.city import probe_points
from bench.import_bench import isolated, measure_imports, ogr2ogr_command, point_surveys, \
    survey_files
from bench.peers import Box
from bench.registry_bench import LAYER, NEAREST_PROBES, Bench, _agree, _update_tenth, _warm, \
    _write_arrow
from bench.report import Figure, Row
from bench.timing import Timings
from bench.web_bench import ITEM_BOXES, Server, _has, city_tiles, free_port, \
    infracensus_server, items_params, pygeoapi_config, serving, tools, wsgi_command
from registry import Query
from registry.frames import asset_columns
from registry.storage.postgis_connection import SESSION_OPTIONS, scalar
from tests.postgis_server import PostgisServer, running
from web.tiles.address import EXTENT, TileAddress
from web.tiles.render import BUFFER, MAX_FEATURES, tile_properties

OGR2OGR = Path("/usr/bin/ogr2ogr")
WITHIN_2X = "p50 ≤ 2× hand SQL"
#: What pygeoapi's PostgreSQL provider needs besides pygeoapi (its optional requirements).
PG_PROVIDER = ("GeoAlchemy2", "psycopg2-binary")
#: pygeoapi swaps a CRS84 bbox into EPSG:4490's latitude-first order, while PostGIS keeps
#: longitude first: the peer is asked in its storage CRS (see `_peer_params`).
STORAGE_CRS, CRS84 = ("http://www.opengis.net/def/crs/EPSG/0/4490",
                      "http://www.opengis.net/def/crs/OGC/1.3/CRS84")
#: Each tile is drawn this many times by each side, so the z12 row has enough samples.
TILE_PASSES = {14: 1, 12: 3}


def postgis(b: Bench) -> list[Row]:
    """Every PostGIS figure: bulk import, queries vs hand SQL, items vs pygeoapi, tiles."""
    with running() as server:
        imported, url = _imports(b, server)
        reg = registry.open(url)
        # The floor runs with the registry's session settings (no JIT, no parallel workers).
        with psycopg.connect(url, autocommit=True, options=SESSION_OPTIONS) as conn:
            hand = HandSQL(conn, asset_columns(reg.layers[LAYER]))
            rows = [imported, *_queries(b, reg, hand), *_web(b, reg, url, hand)]
        reg.close()
        rows.insert(1, _survey_imports(b, server))
    b.notes.append("PostGIS: the server runs with fsync off; the registry queried is the first "
                   "timed import; ogr2ogr reads the points from a GeoPackage, reg.add from frames")
    return rows


class HandSQL:
    """The floor: each query written by hand against the registry's PostGIS tables."""

    def __init__(self, conn: psycopg.Connection, columns: list[str]) -> None:
        self.conn = conn
        self.select = "SELECT ST_AsBinary(geom), " + ", ".join(f'"{c}"' for c in columns)

    def run(self, where: str, params: tuple, tail: str = "") -> list[tuple]:
        return self.conn.execute(f"{self.select} FROM {LAYER} WHERE retired_at IS NULL AND "
                                 f"{where} {tail}", params).fetchall()

    def box(self, box: tuple, extra: str = "TRUE") -> list[tuple]:
        return self.run(f"ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4490)) AND {extra}",
                        box)

    def within(self, polygon: shapely.Geometry) -> list[tuple]:
        return self.run("ST_Within(geom, ST_GeomFromWKB(%s, 4490))", (polygon.wkb,))

    def nearest(self, point: shapely.Point, k: int) -> list[tuple]:
        return self.run("TRUE", (point.x, point.y, k),
                        "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4490) LIMIT %s")

    def as_of(self, box: tuple, moment: Any) -> list[tuple]:
        envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4490)"
        return self.conn.execute(
            f"SELECT ST_AsBinary(geom), uuid, NULL FROM {LAYER} WHERE updated_at <= %s AND "
            f"retired_at IS NULL AND ST_Intersects(geom, {envelope}) UNION ALL SELECT "
            "ST_AsBinary(geom), uuid, attributes FROM asset_versions WHERE layer = %s AND "
            "valid_from <= %s AND "
            f"valid_to > %s AND ST_Intersects(geom, {envelope})",
            (moment, *box, LAYER, moment, moment, *box)).fetchall()

    def tile(self, tile: TileAddress, properties: list[str]) -> bytes:
        """The tile a developer would write: every asset in it, ST_AsMVTGeom and ST_AsMVT."""
        columns = "".join(f', "{p}"' for p in properties)
        envelope = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
        statement = (
            f"SELECT ST_AsMVT(q, '{LAYER}', {EXTENT}, 'geom') FROM (SELECT ST_AsMVTGeom("
            f"ST_Transform(geom, 3857), {envelope}, {EXTENT}, {BUFFER}, true) AS geom{columns} "
            f"FROM {LAYER} WHERE retired_at IS NULL AND geom && ST_Transform("
            f"ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4490)) q")
        params = {"z": tile.z, "x": tile.x, "y": tile.y, "margin": BUFFER / EXTENT}
        return bytes(scalar(self.conn, statement, params) or b"")


# -- bulk import ------------------------------------------------------------------------------
def _imports(b: Bench, server: PostgisServer) -> tuple[Row, str]:
    """`reg.add` of every point into new registries, beside ogr2ogr of the same file; the
    first registry stays for the other jobs, the rest are dropped."""
    survey = b.scratch / "points.gpkg"
    _write_arrow(b.city, survey)
    ours, ogr = Timings(), Timings()
    n = sum(len(f) for f in b.city.points.values())
    for attempt in range(b.repeats):
        reg = with_grids(registry.create(server.create_database(f"import_{attempt}"),
                                         county=COUNTY), b.city)
        ours.time(add_points, reg, b.city)
        reg.close()
        if attempt:
            server.drop_database(f"import_{attempt}")
        if OGR2OGR.exists():
            ogr.time(_ogr2ogr, server.create_database(f"ogr_{attempt}"), survey)
            server.drop_database(f"ogr_{attempt}")
    peers = [Figure("ogr2ogr -f PostgreSQL", ogr, n)] if ogr.samples else []
    row = Row(f"PostGIS bulk import, {n:,} points in 3 layers (indexes + first versions)",
              Figure("reg.add", ours, n), peers, target="≥ 150 k/s",
              met=n / ours.p50 >= 150_000)
    return row, server.url("import_0")


def _survey_imports(b: Bench, server: PostgisServer) -> Row:
    """`import_survey` of the three point files into a new PostGIS registry, in a process of
    its own as `infracensus import` runs, beside ``ogr2ogr -f PostgreSQL`` of the same files
    into a new database."""
    surveys = point_surveys(b.city, survey_files(b.city, b.scratch.parent))
    ours, ogr = Timings(), Timings()
    for attempt in range(b.repeats):
        url = server.create_database(f"survey_{attempt}")
        with_grids(registry.create(url, county=COUNTY), b.city).close()
        measured = isolated(measure_imports, url, surveys)
        ours.samples.append(sum(measured.seconds))
        server.drop_database(f"survey_{attempt}")
        if OGR2OGR.exists():
            into = f"PG:{server.create_database(f'ogr_survey_{attempt}')}"
            ogr.time(_ogr2ogr_surveys, into, [s.path for s in surveys])
            server.drop_database(f"ogr_survey_{attempt}")
    n = sum(s.records for s in surveys)
    peers = [Figure("ogr2ogr -f PostgreSQL", ogr, n)] if ogr.samples else []
    return Row(f"PostGIS: import {n:,} points in {len(surveys)} files (.gpkg, .shp, .csv) into "
               "an empty registry", Figure("import_survey", ours, n), peers,
               target="≥ 150 k/s", met=n / ours.p50 >= 150_000)


def _ogr2ogr_surveys(into: str, paths: list[Path]) -> None:
    for path in paths:
        subprocess.run([*ogr2ogr_command(path, "PostgreSQL", into), "--config", "PG_USE_COPY",
                        "YES"], check=True, capture_output=True)


def _ogr2ogr(url: str, survey: Path) -> None:
    subprocess.run([str(OGR2OGR), "-f", "PostgreSQL", f"PG:{url}", str(survey),
                    "--config", "PG_USE_COPY", "YES"], check=True, capture_output=True)


# -- queries ----------------------------------------------------------------------------------
def _queries(b: Bench, reg: registry.Registry, sql: HandSQL) -> list[Row]:
    boxes, grids = b.boxes, list(b.city.grids.geometry)
    probes = list(probe_points(b.city, NEAREST_PROBES))
    rows = [
        _pair("500 m box", boxes, lambda x: reg.query(Query(LAYER, bbox=x)), sql.box),
        _pair("within one grid polygon", grids,
              lambda g: reg.query(Query(LAYER, geometry=g, predicate="within")), sql.within),
        _pair("10 nearest", probes, lambda p: reg.query(Query(LAYER, nearest=p, k=10)),
              lambda p: sql.nearest(p, 10)),
        _pair("500 m box and condition ≥ 4", boxes,
              lambda x: reg.query(Query(LAYER, bbox=x, where="condition >= 4")),
              lambda x: sql.box(x, "condition >= 4"))]
    moment = _update_tenth(reg, b)
    rows.append(_pair(f"500 m box as of before a 10 % update ({b.asof_boxes} boxes)",
                      boxes[:b.asof_boxes], lambda x: reg.query(Query(LAYER, bbox=x, as_of=moment)),
                      lambda x: sql.as_of(x, moment)))
    return rows


def _pair(job: str, inputs: list, ours: Callable[[Any], Any], floor: Callable[[Any], list]
          ) -> Row:
    """Time the registry and the hand-written SQL on the same inputs, interleaved."""
    mine, hand = Timings(), Timings()
    _warm(ours, inputs)
    _warm(floor, inputs)
    for item in inputs:
        _agree(f"PostGIS {job}", len(mine.time(ours, item)), len(hand.time(floor, item)))
    return Row(f"PostGIS: {LAYER}, {job}", Figure("reg.query", mine),
               [Figure("hand SQL (psycopg)", hand)], target=WITHIN_2X,
               met=mine.p50 <= 2 * hand.p50)


# -- the web over HTTP ------------------------------------------------------------------------
def _web(b: Bench, reg: registry.Registry, url: str, sql: HandSQL) -> list[Row]:
    """Items beside pygeoapi's PostgreSQL provider, and tiles beside hand-written ST_AsMVT."""
    folder = b.scratch / "postgis-web"
    folder.mkdir(parents=True, exist_ok=True)
    found = tools(b.registry_path.parent, b.notes)
    peer_python = _postgres_peer(found.peers_python, b.notes)
    with ExitStack() as stack:
        # No tile cache: every tile request is drawn.
        ours = stack.enter_context(infracensus_server(url, folder, found.gunicorn_path, 0, "-pg"))
        peer = None
        if peer_python is not None:
            bounds = reg.extent(LAYER) or (0.0, 0.0, 0.0, 0.0)
            peer = stack.enter_context(_pygeoapi_postgres(peer_python, url, bounds, folder))
        return _items(ours, peer, b.boxes[:ITEM_BOXES], b.notes) + _tiles(b, reg, ours, sql)


def _postgres_peer(python: Path | None, notes: list[str]) -> Path | None:
    """pygeoapi's interpreter once its PostgreSQL provider's requirements are installed."""
    if python is None:
        return None
    if not (_has(python, "geoalchemy2") and _has(python, "psycopg2")):
        if os.environ.get("BENCH_INSTALL", "1") == "0":
            notes.append("pygeoapi PostgreSQL skipped: GeoAlchemy2 and psycopg2 not installed")
            return None
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PG_PROVIDER], check=True,
                       capture_output=True)
        notes.append(f"installed {' and '.join(PG_PROVIDER)} into pygeoapi's virtualenv")
    return python


@contextmanager
def _pygeoapi_postgres(python: Path, url: str, bounds: Box, folder: Path) -> Iterator[Server]:
    """pygeoapi serving the registry's drains table through its PostgreSQL provider."""
    port, where = free_port(), urlsplit(url)
    config = pygeoapi_config(folder / "unused.gpkg", port, bounds)
    provider = {"type": "feature", "name": "PostgreSQL", "id_field": "uuid", "table": LAYER,
                "geom_field": "geom", "storage_crs": STORAGE_CRS, "crs": [CRS84, STORAGE_CRS],
                "data": {"host": where.hostname, "port": where.port, "user": where.username,
                         "dbname": where.path.lstrip("/"), "search_path": ["public"]}}
    config["resources"] = {"drains_pg": {**config["resources"]["drains_ogr"],
                                         "providers": [provider]}}
    path, openapi = folder / "pygeoapi-pg.config.yml", folder / "pygeoapi-pg.openapi.yml"
    path.write_text(json.dumps(config, indent=1))  # JSON is YAML
    env = {"PYGEOAPI_CONFIG": str(path), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(python.parent / "pygeoapi"), "openapi", "generate", str(path),
                    "--output-file", str(openapi)], check=True, capture_output=True,
                   env={**os.environ, **env})
    command = wsgi_command(python, "pygeoapi.flask_app:APP", port, _has(python, "gunicorn"))
    with serving("pygeoapi-pg", command, env, port, "/conformance?f=json",
                 folder / "pygeoapi-pg.log") as server:
        yield server


def _items(ours: Server, peer: Server | None, boxes: list[Box], notes: list[str]) -> list[Row]:
    """OGC API items, 500 m boxes, limit 1,000: ours and pygeoapi, interleaved."""
    mine, theirs = Timings(), Timings()
    path = f"/ogcapi/collections/{LAYER}/items"
    for box in boxes[:5]:  # first requests open pools and fill statement caches
        ours.get(path, items_params(box))
        if peer is not None:
            peer.get("/collections/drains_pg/items", _peer_params(box))
    differ = 0
    for box in boxes:
        found = ours.timed(mine, path, items_params(box)).json()["numberReturned"]
        if peer is not None:
            answer = peer.timed(theirs, "/collections/drains_pg/items", _peer_params(box))
            differ += found != len(answer.json()["features"])
    notes.append(f"PostGIS items: {len(boxes)} random 500 m boxes over {LAYER}, limit 1,000, "
                 f"gunicorn gthread 1 worker × 4 threads each; pygeoapi PostgreSQL answered a "
                 f"different count on {differ} boxes")
    peers = [Figure("pygeoapi PostgreSQL", theirs)] if peer is not None else []
    return [Row(f"PostGIS: OGC items, 500 m bbox over {LAYER}, limit 1,000",
                Figure("Infracensus", mine), peers, target="p50 ≤ 10 ms",
                met=mine.p50 <= 0.010)]


def _peer_params(box: Box) -> dict:
    """Box and answer in the storage CRS: pygeoapi neither swaps the box nor reprojects
    each feature (Infracensus answers in lon/lat as stored, too)."""
    return {**items_params(box), "bbox-crs": STORAGE_CRS, "crs": STORAGE_CRS}


def _tiles(b: Bench, reg: registry.Registry, ours: Server, sql: HandSQL) -> list[Row]:
    """Every tile over the city at z14 and z12: `/tiles` (no cache) beside ST_AsMVT by hand."""
    properties = tile_properties(reg.layers[LAYER])
    rows = []
    for z, passes in TILE_PASSES.items():
        tiles = city_tiles(b, z)
        mine, hand = Timings(), Timings()
        for tile in tiles[:3]:
            ours.get(f"/tiles/{LAYER}/{z}/{tile.x}/{tile.y}.mvt")
        for _ in range(passes):
            for tile in tiles:
                ours.timed(mine, f"/tiles/{LAYER}/{z}/{tile.x}/{tile.y}.mvt")
                hand.time(sql.tile, tile, properties)
        rows.append(Row(f"PostGIS: MVT z{z} over the city ({len(tiles)} tiles), cold",
                        Figure("Infracensus /tiles", mine),
                        [Figure("hand ST_AsMVT (psycopg)", hand)],
                        target="p50 ≤ 30 ms" if z == 14 else "—",
                        met=mine.p50 <= 0.030 if z == 14 else None))
    b.notes.append(f"PostGIS tiles over HTTP with no tile cache; above {MAX_FEATURES:,} assets a "
                   "tile holds counted clusters, the hand-written query every asset")
    return rows
