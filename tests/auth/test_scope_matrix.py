"""Role × scope × route: every cell of the table is one request by one user, asserted for its
status and, where it lists things, for the grids (A, B) or named things the user sees.

The city (`scope_city`) has the same assets, a case and a work package in grid A and in grid
B; users are scoped to grid A, to grid B, to a department, or to nothing (the whole city).
Drains are public; safety valves (households) are withheld from all but engineers, planners
and admins. Requests carry each user's API token (no session, so no CSRF token needed).

A move sent at a stale version answers 409: the request passed every check of who may do
it and reached the case itself, and nothing was written.
"""
from __future__ import annotations

import math
import uuid as uuidlib
from typing import Any, Callable

import mapbox_vector_tile
import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from scope_city import A, B, IN_A, IN_B, SETTINGS, ScopeCity, build_scope_city
from web.app import create_app

GRID_NAMES = {A: "A", B: "B"}
BOTH = {"type": "Polygon", "coordinates": [[[114.4, 38.0], [114.6, 38.0], [114.6, 38.1],
                                            [114.4, 38.1], [114.4, 38.0]]]}


def tile_path(layer: str, z: int = 8, lon: float = 114.5, lat: float = 38.05) -> str:
    """The tile of `layer` at zoom `z` holding (lon, lat): both grids at zoom 8."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


@pytest.fixture(scope="module")
def city(module_location: Callable[[], str]) -> ScopeCity:
    return build_scope_city(module_location())


@pytest.fixture(scope="module")
def app(city: ScopeCity) -> Flask:
    return create_app({"REGISTRY": city.url, "TESTING": True, **SETTINGS})


# -- what a user sees in an answer ----------------------------------------------------------
def _grids(codes) -> set[str]:
    return {GRID_NAMES.get(str(code), str(code)) for code in codes}


def _features(body: bytes) -> list[dict[str, Any]]:
    found = orjson.loads(body)
    return found["features"] if "features" in found else [found]  # a collection, or one


SEEN: dict[str, Callable[[Any, ScopeCity], set[str]]] = {
    "cases": lambda r, c: _grids(x["grid_code"] for x in r.get_json()["cases"]),
    "features": lambda r, c: _grids(f["properties"]["grid_code"] for f in _features(r.data)),
    "feature_ids": lambda r, c: _grids(c.grid_of[f["id"]] for f in _features(r.data)),
    "hits": lambda r, c: _grids(c.grid_of[h["uuid"]] for h in r.get_json()),
    "selected": lambda r, c: _grids(c.grid_of[f["uuid"]] for f in r.get_json()["features"]),
    "tile": lambda r, c: _grids(
        c.grid_of[f["properties"]["uuid"]]
        for layer in mapbox_vector_tile.decode(r.data).values() for f in layer["features"]),
    "grids": lambda r, c: _grids(g["code"] for g in r.get_json()),
    "plans": lambda r, c: {name for name in ("plan_a", "plan_both")
                           if c.ids[name] in {p["id"] for p in r.get_json()}},
    "collections": lambda r, c: {x["id"] for x in r.get_json()["collections"]},
    "page_cases": lambda r, c: {name for name in ("case_a", "case_b")
                                if c.ids[name] in r.get_data(as_text=True)},
}


# -- bodies -----------------------------------------------------------------------------------
def _returned(c: ScopeCity, package: str, layer: str, where: tuple[float, float]) -> bytes:
    """A crew's file for `package` holding one asset found in the field."""
    return orjson.dumps({"type": "FeatureCollection", "package": {"id": c.ids[package]},
                         "features": [{"type": "Feature", "properties": {
                             "uuid": str(uuidlib.uuid4()), "layer": layer},
                             "geometry": {"type": "LineString" if layer == "gas_mains" else "Point",
                                          "coordinates": [where, (where[0] + 0.001, where[1])]
                                          if layer == "gas_mains" else where}}]})


BODIES: dict[str, Callable[[ScopeCity], Any]] = {
    "stale_move": lambda c: {"move": "dispatch", "expected_version": 999},
    "report_a": lambda c: {"category": "street_vending", "lon": IN_A[0], "lat": IN_A[1]},
    "report_b": lambda c: {"category": "street_vending", "lon": IN_B[0], "lat": IN_B[1]},
    "plan_a": lambda c: {"selection": {"layer": "drains", "grid": A}},
    "plan_b": lambda c: {"selection": {"layer": "drains", "grid": B}},
    "plan_drawn_both": lambda c: {"selection": {"layer": "drains", "geometry": BOTH}},
    "select_b": lambda c: {"layer": "drains", "grid": B},
    "select_both": lambda c: {"layer": "drains", "geometry": BOTH},
    "select_valves": lambda c: {"layer": "safety_valves", "geometry": BOTH},
    "new_main_a": lambda c: _returned(c, "pkg_a", "gas_mains", (114.45, 38.07)),
    "new_drain_b": lambda c: _returned(c, "pkg_a", "drains", (114.55, 38.07)),
    "new_drain_a": lambda c: _returned(c, "pkg_a", "drains", (114.45, 38.07)),
    "pkg_b_file": lambda c: _returned(c, "pkg_b", "drains", (114.55, 38.07)),
}

DRAINS = "/ogcapi/collections/drains/items"
VALVES = "/ogcapi/collections/safety_valves/items"
MAINS = "/ogcapi/collections/gas_mains/items"

#: user (None: anonymous), method, path ({name} from the city's ids), body, status, seen
#: (what the answer shows, by a SEEN extractor: "kind:A,B"), and why the cell is there.
MATRIX: list[tuple[str | None, str, str, str | None, int, str | None]] = [
    # cases: list, detail, photo-free history, moves, reports, page
    ("viewer", "GET", "/api/cases", None, 200, "cases:A,B"),
    ("viewer_a", "GET", "/api/cases", None, 200, "cases:A"),
    ("eng_dept_b", "GET", "/api/cases", None, 200, "cases:B"),
    ("viewer_a", "GET", "/api/cases/{case_b}", None, 404, None),
    ("viewer_a", "GET", "/api/cases/{case_a}", None, 200, None),
    ("eng_dept_b", "GET", "/api/cases/{case_a}", None, 404, None),
    ("viewer", "GET", "/api/cases/{case_b}", None, 200, None),
    ("viewer_a", "GET", "/api/cases/overdue.geojson", None, 200, None),
    ("viewer_a", "GET", "/cases", None, 200, "page_cases:case_a"),
    ("viewer", "GET", "/cases", None, 200, "page_cases:case_a,case_b"),
    ("eng_a", "POST", "/api/cases/{case_b}/moves", "stale_move", 403, None),
    ("eng_a", "POST", "/api/cases/{case_a}/moves", "stale_move", 409, None),
    ("eng_dept_b", "POST", "/api/cases/{case_a}/moves", "stale_move", 403, None),
    ("eng_dept_b", "POST", "/api/cases/{case_b}/moves", "stale_move", 409, None),
    ("eng", "POST", "/api/cases/{case_b}/moves", "stale_move", 409, None),
    ("insp_a", "POST", "/api/cases/{case_a}/moves", "stale_move", 403, None),
    ("viewer", "POST", "/api/cases/{case_a}/moves", "stale_move", 403, None),
    ("insp_a", "POST", "/api/cases", "report_b", 403, None),
    ("insp_a", "POST", "/api/cases", "report_a", 201, None),
    ("eng", "POST", "/api/cases", "report_b", 201, None),
    ("viewer", "POST", "/api/cases", "report_a", 403, None),
    (None, "POST", "/api/cases", "report_a", 401, None),
    (None, "GET", "/api/cases", None, 401, None),
    # plans and work packages
    ("planner_a", "POST", "/api/plans", "plan_b", 403, None),
    ("planner_a", "POST", "/api/plans", "plan_drawn_both", 403, None),
    ("planner_a", "POST", "/api/plans", "plan_a", 200, None),
    ("planner", "POST", "/api/plans", "plan_b", 200, None),
    ("viewer", "POST", "/api/plans", "plan_a", 403, None),
    ("planner_a", "GET", "/api/plans", None, 200, "plans:plan_a"),
    ("planner", "GET", "/api/plans", None, 200, "plans:plan_a,plan_both"),
    ("planner_a", "GET", "/api/plans/{plan_both}", None, 404, None),
    ("planner_a", "GET", "/plans/{plan_both}", None, 404, None),
    ("planner_a", "GET", "/api/plans/{plan_a}", None, 200, None),
    ("viewer_a", "GET", "/api/plans/scores.geojson?layer=drains", None, 200, "feature_ids:A"),
    ("viewer", "GET", "/api/packages/{pkg_a}/export", None, 403, None),
    ("viewer_a", "GET", "/api/packages/{pkg_a}/export", None, 403, None),
    ("crew_a", "GET", "/api/packages/{pkg_a}/export", None, 200, "features:A"),
    ("crew_a", "GET", "/api/packages/{pkg_b}/export", None, 403, None),
    ("crew_b", "GET", "/api/packages/{pkg_b}/export", None, 200, "features:B"),
    ("planner", "GET", "/api/packages/{pkg_b}/export", None, 200, "features:B"),
    ("planner_a", "GET", "/api/packages/{pkg_b}/export", None, 403, None),
    ("crew_b", "GET", "/api/packages/{pkg_a}/conflicts", None, 403, None),
    ("crew_a", "GET", "/api/packages/{pkg_a}/conflicts", None, 200, None),
    ("crew_a", "POST", "/api/packages/{pkg_a}/return", "new_main_a", 403, None),
    ("crew_a", "POST", "/api/packages/{pkg_a}/return", "new_drain_b", 403, None),
    ("crew_a", "POST", "/api/packages/{pkg_b}/return", "pkg_b_file", 403, None),
    ("crew_a", "POST", "/api/packages/{pkg_a}/return", "new_drain_a", 200, None),
    ("viewer", "POST", "/api/packages/{pkg_a}/return", "new_drain_a", 403, None),
    # map: search, selection, export, one asset, grids, style
    ("viewer_a", "GET", "/api/search?q=YS", None, 200, "hits:A"),
    ("viewer", "GET", "/api/search?q=YS", None, 200, "hits:A,B"),
    ("viewer", "GET", "/api/search?q=FV", None, 200, "hits:"),
    ("eng", "GET", "/api/search?q=FV", None, 200, "hits:A,B"),
    ("viewer_a", "POST", "/api/select", "select_b", 200, "selected:"),
    ("viewer_a", "POST", "/api/select", "select_both", 200, "selected:A"),
    ("viewer", "POST", "/api/select", "select_both", 200, "selected:A,B"),
    ("viewer", "POST", "/api/select", "select_valves", 403, None),
    ("planner_a", "GET", "/api/export?layer=drains&grid=" + B, None, 200, "features:"),
    ("planner_a", "GET", "/api/export?layer=drains&ids={drain_a},{drain_b}", None, 200,
     "features:A"),
    ("planner", "GET", "/api/export?layer=drains&ids={drain_a},{drain_b}", None, 200,
     "features:A,B"),
    ("viewer", "GET", "/api/export?layer=drains&grid=" + A, None, 403, None),
    ("viewer_a", "GET", "/api/assets/{drain_b}", None, 404, None),
    ("viewer_a", "GET", "/api/assets/{drain_a}", None, 200, None),
    ("viewer", "GET", "/api/assets/{valve_a}", None, 404, None),
    ("eng_a", "GET", "/api/assets/{valve_a}", None, 200, None),
    ("viewer_a", "GET", "/api/grids", None, 200, "grids:A"),
    ("viewer", "GET", "/api/grids", None, 200, "grids:A,B"),
    # OGC API – Features
    ("viewer_a", "GET", DRAINS, None, 200, "features:A"),
    ("viewer", "GET", DRAINS, None, 200, "features:A,B"),
    (None, "GET", DRAINS, None, 200, "features:A,B"),
    ("viewer_a", "GET", DRAINS + "/{drain_b}", None, 404, None),
    ("viewer_a", "GET", DRAINS + "/{drain_a}", None, 200, "features:A"),
    ("viewer_a", "GET", DRAINS + "?filter=grid_code='" + B + "'", None, 200, "features:"),
    (None, "GET", MAINS, None, 401, None),
    ("viewer", "GET", MAINS, None, 200, "features:A,B"),
    (None, "GET", VALVES, None, 401, None),
    ("viewer", "GET", VALVES, None, 403, None),
    ("crew_a", "GET", VALVES, None, 403, None),
    ("eng_a", "GET", VALVES, None, 200, "features:A"),
    ("planner", "GET", VALVES, None, 200, "features:A,B"),
    ("viewer", "GET", "/ogcapi/collections/safety_valves", None, 403, None),
    (None, "GET", "/ogcapi/collections?f=json", None, 200, "collections:drains"),
    ("viewer", "GET", "/ogcapi/collections?f=json", None, 200,
     "collections:bridges,drains,gas_mains,grids,lamp_posts"),
    # vector tiles
    ("viewer_a", "GET", tile_path("drains"), None, 200, "tile:A"),
    ("viewer", "GET", tile_path("drains"), None, 200, "tile:A,B"),
    (None, "GET", tile_path("drains"), None, 200, "tile:A,B"),
    (None, "GET", tile_path("gas_mains"), None, 401, None),
    ("viewer", "GET", tile_path("safety_valves"), None, 403, None),
    ("eng_a", "GET", tile_path("safety_valves"), None, 200, "tile:A"),
    # gas pages: city-wide, and drawn from household valves
    ("eng", "GET", "/gas", None, 200, None),
    ("eng", "GET", "/api/gas/valves?by=courtyard", None, 200, None),
    ("eng_a", "GET", "/gas", None, 403, None),
    ("eng_a", "GET", "/api/gas/topology", None, 403, None),
    ("viewer", "GET", "/api/gas/topology", None, 200, None),
    ("viewer", "GET", "/api/gas/valves?by=courtyard", None, 403, None),
    ("viewer", "GET", "/gas", None, 403, None),
    (None, "GET", "/api/gas/topology", None, 401, None),
    # the rest of the house
    ("eng", "GET", "/admin/audit?f=json", None, 403, None),
    ("admin", "GET", "/admin/audit?f=json", None, 200, None),
    (None, "GET", "/admin/audit?f=json", None, 401, None),
    (None, "GET", "/auth/login", None, 200, None),
]


def _cell_id(cell: tuple) -> str:
    user, method, path, body, status, _ = cell
    return f"{user or 'anonymous'} {method} {path}{' ' + body if body else ''} → {status}"


@pytest.mark.parametrize("cell", MATRIX, ids=[_cell_id(c) for c in MATRIX])
def test_cell(app: Flask, city: ScopeCity, cell: tuple) -> None:
    user, method, path, body, status, seen = cell
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {city.tokens[user]}"} if user else {}
    sent = BODIES[body](city) if body else None
    kwargs: dict[str, Any] = {}
    if isinstance(sent, bytes):
        kwargs = {"data": sent, "content_type": "application/geo+json"}
    elif sent is not None:
        kwargs = {"json": sent}
    answer = client.open(path.format(**city.ids), method=method, headers=headers, **kwargs)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    if seen is not None:
        kind, _, expected = seen.partition(":")
        assert SEEN[kind](answer, city) == set(filter(None, expected.split(",")))
    if body == "new_drain_a" and status == 200:  # the drain the crew found is in grid A from now on
        city.grid_of.update(dict.fromkeys(answer.get_json()["added"], A))


def test_refusals_say_what_lies_outside_the_scope(app: Flask, city: ScopeCity) -> None:
    client = app.test_client()
    moved = client.post(f"/api/cases/{city.ids['case_b']}/moves", json=BODIES["stale_move"](city),
                        headers={"Authorization": f"Bearer {city.tokens['eng_a']}"})
    assert moved.get_json()["detail"] == (
        f"case {city.ids['case_b']} (grid {B}, department 青园街道) is outside your scope "
        f"(grids {A})")
    main = client.post(f"/api/packages/{city.ids['pkg_a']}/return",
                       data=BODIES["new_main_a"](city), content_type="application/geo+json",
                       headers={"Authorization": f"Bearer {city.tokens['crew_a']}"})
    assert main.get_json()["detail"] == (
        f"feature 1: work package {city.ids['pkg_a']} holds drains, not gas_mains: "
        "nothing was applied")
    valves = client.get(VALVES, headers={"Authorization": f"Bearer {city.tokens['viewer']}"})
    assert valves.get_json()["detail"] == "layer 'safety_valves' is withheld from your role (viewer)"
