"""The web benchmarks of issue 4: the app served over HTTP beside pygeoapi on the same file.

Both servers run in their own processes on loopback ports, under gunicorn (gthread, one
worker, keep-alive) when the bench's tools are installed, else under werkzeug's threaded
server (which closes every connection). The bench process is the client: one
`requests.Session` per server, requests interleaved box by box so both see the same load.

pygeoapi lives in its own virtualenv, ``<cache>/peers-venv``, made by the bench (with the
system Python and its GDAL bindings when there are some, for pygeoapi's OGR provider):
it is a peer to measure against, never a dependency of the app. ``BENCH_INSTALL=0`` stops
the bench from installing anything; a peer that is not installed is skipped with a note.

    python -m bench --only web
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import mapbox_vector_tile
import numpy as np
import requests
import shapely

from bench.peers import Box, DirectGpkg
from bench.registry_bench import Bench
from bench.report import Figure, Row
from bench.timing import Timings
from registry import Query
from registry.layers import Layer
from web import geojson
from web.tiles.address import EXTENT, TileAddress
from web.tiles.render import BUFFER, tile_properties

LAYER = "drains"
ROOT = Path(__file__).resolve().parents[1]
#: Random 500 m boxes for the items figures; pygeoapi's SQLite provider scans the whole
#: table per request (~1 s), so it gets only the first few.
ITEM_BOXES, SQLITE_BOXES = 300, 12
CQL2 = "condition >= 3 AND grate_type = 'flat'"
#: The export window: a 3 km square at the city centre holds well over 10,000 drains.
EXPORT_ROWS, EXPORT_SIDE_M, EXPORT_REPEATS = 10_000, 3000.0, 12
#: The slow peers (seconds a call) get only so many runs, to keep the job near 10 minutes.
SLOW_PEER_REPEATS = 3
WARM_PASSES = 3
STARTUP_S = 120.0
_PYGEOAPI = "pygeoapi==0.21.0"


# -- the servers ----------------------------------------------------------------------------
@dataclass
class Server:
    """One HTTP server in a child process and the keep-alive session that talks to it."""

    name: str
    base: str
    process: subprocess.Popen
    session: requests.Session

    def get(self, path: str, params: dict | None = None) -> requests.Response:
        answer = self.session.get(self.base + path, params=params, timeout=120)
        answer.raise_for_status()
        return answer

    def timed(self, timings: Timings, path: str, params: dict | None = None) -> requests.Response:
        start = time.perf_counter()
        answer = self.get(path, params)
        _ = answer.content  # the whole body is part of the answer
        timings.samples.append(time.perf_counter() - start)
        return answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(name: str, command: list[str], env: dict[str, str], port: int, ready: str,
            log: Path) -> Iterator[Server]:
    """Start `command` (listening on `port`), wait until `ready` answers, stop it after."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out,
                                   stderr=subprocess.STDOUT, cwd=ROOT)
    server = Server(name, f"http://127.0.0.1:{port}", process, requests.Session())
    try:
        _wait_until_up(server, ready, log)
        yield server
    finally:
        server.session.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server, ready: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start: {log.read_text()[-2000:]}")
        try:
            server.get(ready)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {STARTUP_S:.0f} s; see {log}")


def wsgi_command(python: Path | str, app: str, port: int, gunicorn: bool) -> list[str]:
    """gunicorn (gthread, 1 worker, keep-alive) or werkzeug's threaded server, for `app`."""
    if gunicorn:
        return [str(python), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30",
                "--log-level", "warning", app]
    return [str(python), "-m", "bench.web_bench", "werkzeug", app, str(port)]


def serve_werkzeug(app: str, port: int) -> None:
    """Serve the WSGI app named "module:attribute" (called when it is a factory)."""
    import importlib
    from werkzeug.serving import make_server
    module, _, attribute = app.partition(":")
    target = getattr(importlib.import_module(module), attribute.removesuffix("()"))
    wsgi = target() if attribute.endswith("()") else target
    make_server("127.0.0.1", port, wsgi, threaded=True).serve_forever()


# -- installing the peers -------------------------------------------------------------------
@dataclass(frozen=True)
class Tools:
    """What the bench may use besides the app's own environment."""

    peers_python: Path | None  # pygeoapi's virtualenv
    gunicorn_path: Path | None  # a folder holding gunicorn for the app's interpreter
    ogr2ogr: str | None


def tools(cache_dir: Path, notes: list[str]) -> Tools:
    """Install (unless BENCH_INSTALL=0) and find pygeoapi, gunicorn and ogr2ogr."""
    install = os.environ.get("BENCH_INSTALL", "1") != "0"
    venv, wsgi = cache_dir / "peers-venv", cache_dir / "wsgi"
    if install:
        _install_peers(venv, notes)
        _install_gunicorn(wsgi, notes)
    python = venv / "bin" / "python"
    found = Tools(python if _has(python, "pygeoapi") else None,
                  wsgi if (wsgi / "gunicorn").is_dir() else None, shutil.which("ogr2ogr"))
    if found.peers_python is None:
        notes.append(f"pygeoapi skipped: no virtualenv at {venv} "
                     "(run the bench without BENCH_INSTALL=0 to make it)")
    if found.ogr2ogr is None:
        notes.append("ogr2ogr skipped: not installed (apt-get install gdal-bin)")
    return found


def _install_peers(venv: Path, notes: list[str]) -> None:
    python = venv / "bin" / "python"
    if _has(python, "pygeoapi") and _has(python, "gunicorn"):
        return
    # Debian's Python carries GDAL's bindings (python3-gdal), which pygeoapi's OGR
    # provider needs; a venv over it sees them through the system site-packages.
    system = Path("/usr/bin/python3")
    base = [str(system), "-m", "venv", "--system-site-packages"] if _has(system, "osgeo") \
        else ["python3", "-m", "venv"]
    subprocess.run(base + [str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", _PYGEOAPI, "gunicorn"],
                   check=True, capture_output=True)
    notes.append(f"installed {_PYGEOAPI} and gunicorn into {venv}")


def _install_gunicorn(folder: Path, notes: list[str]) -> None:
    if (folder / "gunicorn").is_dir():
        return
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(folder), "gunicorn"], check=True, capture_output=True)
    notes.append(f"installed gunicorn into {folder} (for the bench only, not the app)")


def _has(python: Path, module: str) -> bool:
    if not python.exists():
        return False
    probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
    return probe.returncode == 0


def pygeoapi_config(gpkg: Path, port: int, bounds: Box) -> dict:
    """A minimal pygeoapi configuration: the drains layer through OGR and through SQLiteGPKG."""
    text = "Infracensus bench peer"
    extents = {"spatial": {"bbox": list(bounds),
                           "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    ogr = {"type": "feature", "name": "OGR", "id_field": "uuid", "layer": LAYER,
           "data": {"source_type": "GPKG", "source": str(gpkg),
                    "source_capabilities": {"paging": True},
                    "gdal_ogr_options": {"EMPTY_AS_NULL": "NO"}}}
    sqlite = {"type": "feature", "name": "SQLiteGPKG", "id_field": "uuid", "table": LAYER,
              "data": str(gpkg)}
    resource = {"type": "collection", "title": text, "description": text, "keywords": [LAYER],
                "extents": extents, "links": []}
    contact = {k: text for k in ("name", "position", "address", "city", "stateorprovince",
                                 "postalcode", "country", "phone", "fax", "email", "url",
                                 "hours", "instructions")}
    return {
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json; charset=UTF-8",
                   "encoding": "utf-8", "language": "en-US", "cors": False,
                   "pretty_print": False, "limits": {"default_items": 100, "max_items": 10_000},
                   "map": {"url": "https://tile.example/{z}/{x}/{y}.png", "attribution": text}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": text, "description": text, "keywords": [text],
                                        "keywords_type": "theme", "terms_of_service": text,
                                        "url": "https://example.org"},
                     "license": {"name": "CC-BY 4.0", "url": "https://example.org"},
                     "provider": {"name": text, "url": "https://example.org"},
                     "contact": {**contact, "role": "pointOfContact"}},
        "resources": {"drains_ogr": {**resource, "providers": [ogr]},
                      "drains_sqlite": {**resource, "providers": [sqlite]}},
    }


@contextmanager
def pygeoapi_server(python: Path, gpkg: Path, bounds: Box, folder: Path,
                    gunicorn: bool) -> Iterator[Server]:
    port = free_port()
    config, openapi = folder / "pygeoapi.config.yml", folder / "pygeoapi.openapi.yml"
    # JSON is YAML: no YAML writer needed on this side.
    config.write_text(json.dumps(pygeoapi_config(gpkg, port, bounds), indent=1))
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(python.parent / "pygeoapi"), "openapi", "generate", str(config),
                    "--output-file", str(openapi)], check=True, capture_output=True,
                   env={**os.environ, **env})
    with serving("pygeoapi", wsgi_command(python, "pygeoapi.flask_app:APP", port, gunicorn),
                 env, port, "/conformance?f=json", folder / "pygeoapi.log") as server:
        yield server


@contextmanager
def infracensus_server(gpkg: Path | str, folder: Path, gunicorn_path: Path | None,
                       tile_cache: int = 4096, tag: str = "") -> Iterator[Server]:
    port = free_port()
    # The peer (pygeoapi) serves without logins: compare like with like.
    env = {"INFRACENSUS_REGISTRY": str(gpkg), "INFRACENSUS_TILE_CACHE_TILES": str(tile_cache),
           "INFRACENSUS_AUTH_REQUIRED": "false"}
    if gunicorn_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(gunicorn_path), str(ROOT)])
    command = wsgi_command(sys.executable, "web.app:create_app()", port, gunicorn_path is not None)
    with serving(f"infracensus{tag}", command, env, port, "/ogcapi/conformance?f=json",
                 folder / f"infracensus{tag}.log") as server:
        yield server


# -- the jobs -------------------------------------------------------------------------------
def items_params(box: Box, limit: int = 1000, **extra: str) -> dict:
    return {"bbox": ",".join(f"{v:.7f}" for v in box), "limit": limit, "f": "json", **extra}


def floor_row(ours: Server, peer: Server | None) -> Row:
    """What any request costs on each server: the conformance document, 100 times."""
    mine, theirs = Timings(), Timings()
    for _ in range(100):
        ours.timed(mine, "/ogcapi/conformance", {"f": "json"})
        if peer is not None:
            peer.timed(theirs, "/conformance", {"f": "json"})
    peers = [Figure("pygeoapi /conformance", theirs)] if peer else []
    return Row("HTTP floor: /conformance (server + framework, no data)",
               Figure("Infracensus", mine), peers)


def items_rows(ours: Server, peer: Server | None, boxes: Sequence[Box],
               notes: list[str]) -> list[Row]:
    """500 m boxes, limit 1,000: ours, pygeoapi OGR and (a few) pygeoapi SQLiteGPKG."""
    mine, ogr, lite = Timings(), Timings(), Timings()
    path, differ = f"/ogcapi/collections/{LAYER}/items", 0
    for i, box in enumerate(boxes):
        found = ours.timed(mine, path, items_params(box)).json()["numberReturned"]
        if peer is not None:
            theirs = peer.timed(ogr, "/collections/drains_ogr/items", items_params(box))
            differ += found != len(theirs.json()["features"])
            if i < SQLITE_BOXES:
                peer.timed(lite, "/collections/drains_sqlite/items", items_params(box))
    notes.append(f"items: {len(boxes)} random 500 m boxes over {LAYER}, limit 1,000; "
                 f"pygeoapi SQLiteGPKG on the first {min(SQLITE_BOXES, len(boxes))} only "
                 f"(it scans the table); OGR answered a different count on {differ} boxes")
    peers = [Figure("pygeoapi OGR", ogr), Figure("pygeoapi SQLiteGPKG", lite)] if peer else []
    return [Row(f"OGC items, 500 m bbox over {LAYER}, limit 1,000", Figure("Infracensus", mine),
                peers, target="p50 ≤ 15 ms and ≥ 5× faster than pygeoapi OGR",
                met=_met(mine, 0.015, ogr if peer else None, 5))]


def cql2_rows(ours: Server, peer: Server | None, boxes: Sequence[Box]) -> list[Row]:
    """The same boxes with a CQL2 filter; pygeoapi's OGR provider takes only ?property=value."""
    mine, ogr = Timings(), Timings()
    for box in boxes:
        ours.timed(mine, f"/ogcapi/collections/{LAYER}/items", items_params(box, filter=CQL2))
        if peer is not None:
            peer.timed(ogr, "/collections/drains_ogr/items", items_params(box, grate_type="flat"))
    peers = [Figure("pygeoapi OGR ?grate_type=flat (no CQL2 on OGR)", ogr)] if peer else []
    return [Row(f"OGC items, 500 m bbox + CQL2 `{CQL2}`", Figure("Infracensus", mine), peers,
                target="p50 ≤ 15 ms", met=mine.p50 <= 0.015)]


def city_tiles(b: Bench, z: int) -> list[TileAddress]:
    """Every tile at zoom `z` that the city's drains fall in, from the drains' own bounds."""
    minx, miny, maxx, maxy = b.reg.extent(LAYER) or (0.0, 0.0, 0.0, 0.0)
    side = 1 << z
    col = lambda lon: int((lon + 180) / 360 * side)  # noqa: E731
    row = lambda lat: int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * side)  # noqa
    return [TileAddress(z, x, y) for x in range(col(minx), col(maxx) + 1)
            for y in range(row(maxy), row(miny) + 1)]


def tile_rows(b: Bench, warm: Server, cold: Server, tiles_by_zoom: dict[int, list],
              targets: dict[int, float]) -> list[Row]:
    """Each zoom: cold (a server without tile cache), warm (repeat passes), and the peer."""
    rows = []
    for z, tiles in tiles_by_zoom.items():
        cold_t, warm_t, peer_t = Timings(), Timings(), Timings()
        spec, direct = b.reg.layers[LAYER], _direct(b)
        # At z12 the peer takes about a second a tile: it does the central (fullest) ones.
        centre = np.mean([(t.x, t.y) for t in tiles], axis=0)
        by_centre = sorted(tiles, key=lambda t: float(np.hypot(t.x - centre[0], t.y - centre[1])))
        peer_tiles = set(tiles if z >= 14 else by_centre[:SLOW_PEER_REPEATS])
        for tile in tiles:
            path = f"/tiles/{LAYER}/{z}/{tile.x}/{tile.y}.mvt"
            cold.timed(cold_t, path)
            warm.get(path)  # fills the cache
            if tile in peer_tiles:
                peer_t.time(mvt_peer, direct, spec, tile)
        for _ in range(WARM_PASSES):
            for tile in tiles:
                warm.timed(warm_t, f"/tiles/{LAYER}/{z}/{tile.x}/{tile.y}.mvt")
        label = f"MVT z{z} over the city ({len(tiles)} tiles)"
        peer = [Figure(f"mapbox-vector-tile encode, in process ({len(peer_t.samples)} tiles)",
                       peer_t)]
        rows += [Row(f"{label}, cold", Figure("Infracensus", cold_t), peer,
                     target=f"p50 ≤ {targets[z] * 1000:.0f} ms", met=cold_t.p50 <= targets[z]),
                 Row(f"{label}, warm (tile cache)", Figure("Infracensus", warm_t), [])]
    return rows


def _direct(b: Bench) -> DirectGpkg:
    return DirectGpkg(b.registry_path, LAYER, tile_properties(b.reg.layers[LAYER]))


def mvt_peer(direct: DirectGpkg, spec: Layer, tile: TileAddress) -> bytes:
    """The tile a developer would write: R*Tree read, project, `mapbox_vector_tile.encode`."""
    rows, geoms = direct.box(tile.lonlat_bounds(BUFFER / EXTENT))
    names = tile_properties(spec)
    xy = shapely.get_coordinates(geoms)
    x, y = tile.to_pixels(xy[:, 0], xy[:, 1])
    features = [{"geometry": f"POINT ({px:.0f} {py:.0f})",
                 "properties": {k: v for k, v in zip(names, row[2:]) if v is not None}}
                for px, py, row in zip(x.tolist(), y.tolist(), rows)]
    return mapbox_vector_tile.encode([{"name": LAYER, "features": features}],
                                     default_options={"y_coord_down": True})


def export_box(b: Bench) -> Box:
    """A square of EXPORT_SIDE_M metres round the middle of the drains' extent."""
    minx, miny, maxx, maxy = b.reg.extent(LAYER) or (0.0, 0.0, 1.0, 1.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    dlat = EXPORT_SIDE_M / 2 / 111_320
    dlon = dlat / np.cos(np.radians(cy))
    return cx - dlon, cy - dlat, cx + dlon, cy + dlat


def export_rows(b: Bench, ours: Server, peer: Server | None, ogr2ogr: str | None,
                notes: list[str]) -> list[Row]:
    """10,000 drains as GeoJSON: over HTTP, encode only, to_json, ogr2ogr and pygeoapi."""
    box = export_box(b)
    frame = b.reg.query(Query(LAYER, bbox=box, limit=EXPORT_ROWS))
    rows = len(frame)
    http, pyg, encode, to_json, ogr = (Timings() for _ in range(5))
    for _ in range(EXPORT_REPEATS):
        ours.timed(http, f"/ogcapi/collections/{LAYER}/items", items_params(box, max(rows, 1)))
        slow = len(to_json.samples) < SLOW_PEER_REPEATS
        if peer is not None and slow:
            peer.timed(pyg, "/collections/drains_ogr/items", items_params(box, max(rows, 1)))
        encode.time(geojson.feature_collection, frame)
        if slow:
            to_json.time(frame.to_json)
        if ogr2ogr is not None:
            ogr.time(run_ogr2ogr, ogr2ogr, b.registry_path, box, _last_fid(b, box, rows))
    notes.append(f"GeoJSON export: the first {rows:,} drains (by id) in a {EXPORT_SIDE_M:.0f} m "
                 f"square at the city centre, {EXPORT_REPEATS} times each (pygeoapi and to_json "
                 f"{SLOW_PEER_REPEATS}); ogr2ogr runs as a process (start-up included) "
                 "writing to /vsistdout/")
    over_http = [Figure("pygeoapi OGR items", pyg)] if peer else []
    if ogr2ogr is not None:
        over_http.append(Figure("ogr2ogr -f GeoJSON", ogr))
    return [Row(f"GeoJSON of {rows:,} drains over HTTP (items, limit {rows:,})",
                Figure("Infracensus", http), over_http, target="p50 ≤ 50 ms",
                met=http.p50 <= 0.05),
            Row(f"GeoJSON of {rows:,} drains, encoding only (same frame)",
                Figure("web.geojson", encode), [Figure("GeoDataFrame.to_json", to_json)])]


def _last_fid(b: Bench, box: Box, rows: int) -> int:
    direct = DirectGpkg(b.registry_path, LAYER, [])
    found = sorted(fid for fid, *_ in direct.box(box)[0])
    direct.close()
    return found[rows - 1] if found else 0


def run_ogr2ogr(ogr2ogr: str, gpkg: Path, box: Box, last_fid: int) -> int:
    """GDAL's own GeoJSON of the same rows (R*Tree window, ids up to `last_fid`)."""
    done = subprocess.run([ogr2ogr, "-f", "GeoJSON", "/vsistdout/", str(gpkg), LAYER,
                           "-spat", *map(str, box), "-where",
                           f"fid <= {last_fid} AND retired_at IS NULL"],
                          check=True, capture_output=True)
    return len(done.stdout)


def _met(ours: Timings, target: float, peer: Timings | None, times: float) -> bool:
    faster = peer is None or not peer.samples or ours.p50 * times <= peer.p50
    return ours.p50 <= target and faster


# -- the job --------------------------------------------------------------------------------
def web(b: Bench) -> list[Row]:
    """Issue 4: OGC items, CQL2, vector tiles and GeoJSON export over HTTP, beside pygeoapi."""
    cache_dir = b.registry_path.parent
    folder = b.scratch / "web"
    folder.mkdir(parents=True, exist_ok=True)
    found = tools(cache_dir, b.notes)
    gunicorn = found.gunicorn_path is not None
    b.notes.append("servers: " + ("gunicorn gthread, 1 worker × 4 threads, keep-alive" if gunicorn
                                  else "werkzeug threaded (closes each connection)")
                   + "; client: requests.Session in the bench process")
    boxes = b.boxes[:ITEM_BOXES]
    tiles = {14: city_tiles(b, 14), 12: city_tiles(b, 12)}
    with ExitStack() as stack:
        ours = stack.enter_context(infracensus_server(b.registry_path, folder, found.gunicorn_path))
        cold = stack.enter_context(infracensus_server(b.registry_path, folder,
                                                      found.gunicorn_path, 0, "-cold"))
        peer = None
        if found.peers_python is not None:
            peer = stack.enter_context(pygeoapi_server(found.peers_python, b.registry_path,
                                                       b.reg.extent(LAYER), folder,
                                                       _has(found.peers_python, "gunicorn")))
        _warm_up(ours, cold, peer, boxes)
        rows = [floor_row(ours, peer)]
        rows += items_rows(ours, peer, boxes, b.notes)
        rows += cql2_rows(ours, peer, boxes[:max(1, len(boxes) // 3)])
        rows += tile_rows(b, ours, cold, tiles, {14: 0.030, 12: 0.100})
        rows += export_rows(b, ours, peer, found.ogr2ogr, b.notes)
    return rows


def _warm_up(ours: Server, cold: Server, peer: Server | None, boxes: Sequence[Box]) -> None:
    # First requests open the registry, fill statement caches and import lazily.
    for box in boxes[:5]:
        ours.get(f"/ogcapi/collections/{LAYER}/items", items_params(box))
        cold.get(f"/ogcapi/collections/{LAYER}/items", items_params(box))
        if peer is not None:
            peer.get("/collections/drains_ogr/items", items_params(box))
            peer.get("/collections/drains_sqlite/items", items_params(box, limit=1))


if __name__ == "__main__":  # the werkzeug fallback server: python -m bench.web_bench werkzeug APP PORT
    serve_werkzeug(sys.argv[2], int(sys.argv[3]))
