"""The PostGIS benchmarks of issue 7: the cached city copied into PostGIS with `copy`, then
the registry's queries beside the same query written by hand in SQL on the same tables (the
floor), bulk imports beside ``ogr2ogr -f PostgreSQL``, and ST_AsMVT tiles beside the Python
encoder on the GeoPackage.

The job starts its own PostgreSQL cluster, as the test suite does (`tests/postgis_server.py`:
a throw-away data directory, fsync off), and removes it afterwards.

    python -m bench --only postgis
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable

import numpy as np
import psycopg
import shapely

import registry
from bench.cache import COUNTY, add_points
from bench.city import probe_points
from bench.registry_bench import LAYER, NEAREST_PROBES, Bench, _agree, _update_tenth, _warm, \
    _write_arrow
from bench.report import Figure, Row
from bench.timing import Timings
from registry import Change, Query
from registry.copying import copy_registry
from registry.frames import asset_columns
from tests.postgis_server import PostgisServer, running
from web.tiles.address import TileAddress
from web.tiles.render import render_tile

OGR2OGR = Path("/usr/bin/ogr2ogr")
#: Tiles are drawn this many times each.
TILE_REPEATS = 20
WITHIN_2X = "p50 ≤ 2× hand SQL"


def postgis(b: Bench) -> list[Row]:
    """Every PostGIS figure: queries vs hand SQL, tiles vs the Python encoder, bulk import."""
    with running() as server:
        url = server.create_database("city")
        took = Timings()
        checks = took.time(copy_registry, b.registry_path, url)
        b.notes.append(f"PostGIS: `infracensus copy` of the cached registry took {took.p50:.0f} s "
                       f"({sum(c.rows for c in checks):,} rows, every table verified: "
                       f"{all(c.ok for c in checks)}); the server runs with fsync off")
        reg = registry.open(url)
        with psycopg.connect(url, autocommit=True) as conn:
            rows = _queries(b, reg, HandSQL(conn, asset_columns(reg.layers[LAYER])))
        rows += _tiles(b, reg) + _imports(b, server)
        reg.close()
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
            f"retired_at IS NULL AND ST_Intersects(geom, {envelope}) UNION ALL SELECT ST_AsBinary(geom), "
            "uuid, attributes FROM asset_versions WHERE layer = %s AND valid_from <= %s AND "
            f"valid_to > %s AND ST_Intersects(geom, {envelope})",
            (moment, *box, LAYER, moment, moment, *box)).fetchall()


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


def _tiles(b: Bench, reg: registry.Registry) -> list[Row]:
    """The busiest-looking tile (at the drains' median) at z14 and z12."""
    centre = np.median(shapely.get_coordinates(b.points), axis=0)
    rows = []
    for z in (14, 12):
        n = 2 ** z
        lat = np.radians(centre[1])
        address = TileAddress(z, int((centre[0] + 180) / 360 * n),
                              int((1 - np.arcsinh(np.tan(lat)) / np.pi) / 2 * n))
        layer = reg.layers[LAYER]
        ours, python = Timings(), Timings()
        for _ in range(TILE_REPEATS):
            ours.time(render_tile, reg, layer, address)
            python.time(render_tile, b.reg, layer, address)
        rows.append(Row(f"MVT tile z{z} of {LAYER} ({address.x}/{address.y})",
                        Figure("PostGIS ST_AsMVT", ours),
                        [Figure("Python encoder on the GeoPackage", python)],
                        target="faster than the Python encoder", met=ours.p50 < python.p50))
    return rows


def _imports(b: Bench, server: PostgisServer) -> list[Row]:
    """`reg.add` of every point into a new PostGIS registry, beside ogr2ogr of the same file."""
    survey = b.scratch / "points.gpkg"
    _write_arrow(b.city, survey)
    ours, ogr = Timings(), Timings()
    n = sum(len(f) for f in b.city.points.values())
    for attempt in range(b.repeats):
        reg = registry.create(server.create_database(f"import_{attempt}"), county=COUNTY)
        reg.add("grids", b.city.grids, Change(who="bench"))
        ours.time(add_points, reg, b.city)
        reg.close()
        if OGR2OGR.exists():
            ogr.time(_ogr2ogr, server.create_database(f"ogr_{attempt}"), survey)
    peers = [Figure("ogr2ogr -f PostgreSQL", ogr, n)] if ogr.samples else []
    return [Row(f"PostGIS bulk import, {n:,} points in 3 layers", Figure("reg.add", ours, n),
                peers, target="≥ 150 k/s", met=n / ours.p50 >= 150_000)]


def _ogr2ogr(url: str, survey: Path) -> None:
    subprocess.run([str(OGR2OGR), "-f", "PostgreSQL", f"PG:{url}", str(survey),
                    "--config", "PG_USE_COPY", "YES"], check=True, capture_output=True)
