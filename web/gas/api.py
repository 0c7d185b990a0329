"""JSON APIs of the gas programme under ``/api/gas/`` (blueprint ``gas``).

=====================================  ===================================================
GET  /api/gas/topology[?f=geojson|csv]  network summary and faults
GET  /api/gas/scope[?f=csv|xlsx]        courtyard candidates with scores; problems
GET  /api/gas/progress?year=            progress against the year's targets, per courtyard
GET  /api/gas/valves?by=[&f=csv|xlsx]   safety valves per building/courtyard/grid/district
GET  /api/gas/courtyards                courtyard outlines with their state (GeoJSON)
GET  /api/gas/isolate?main=|lon=&lat=   isolation trace (``f=geojson`` for the crew)
GET  /api/gas/programmes                every yearly programme
PUT  /api/gas/programmes/<year>         {courtyards, targets?}: set a year's programme
=====================================  ===================================================

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/api/gas/scope")
('gas.scope', {})
"""
from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from flask import Blueprint, Response, jsonify, request

from registry import Change
from registry.errors import InvalidInput
from registry.gas.isolation import isolate as trace, trace_geojson
from registry.gas.outlines import outlines
from registry.gas.programme import LEVELS, courtyard_progress, plan_programme, programmes
from registry.gas.programme import progress as progress_of
from registry.gas.programme import valve_rollup
from registry.gas.risk import courtyard_candidates
from web.app import current_registry
from web.auth.identity import who
from web.gas.exports import table_response
from web.gas.state import network, scope as current_scope
from web.gas.tables import faults_frame, flat_candidates, problems_frame, trace_table
from web.geojson import feature_collection

GEOJSON = "application/geo+json"


def add_api_rules(blueprint: Blueprint) -> None:
    """Register the ``/api/gas/...`` views on `blueprint`."""
    for path, view, methods in (
            ("/api/gas/topology", topology, ["GET"]), ("/api/gas/scope", scope, ["GET"]),
            ("/api/gas/progress", progress, ["GET"]), ("/api/gas/valves", valves, ["GET"]),
            ("/api/gas/courtyards", courtyards, ["GET"]), ("/api/gas/isolate", isolate, ["GET"]),
            ("/api/gas/programmes", programme_list, ["GET"]),
            ("/api/gas/programmes/<int:year>", programme_put, ["PUT"])):
        blueprint.add_url_rule(path, view.__name__, view, methods=methods)


def _fmt(*allowed: str) -> str:
    fmt = request.args.get("f", "json")
    if fmt not in ("json", *allowed):
        raise InvalidInput(f"f must be one of json, {', '.join(allowed)}; got {fmt!r}")
    return fmt


def topology() -> Response:
    fmt = _fmt("geojson", "csv", "xlsx")
    net = network()
    if fmt == "geojson":
        return Response(feature_collection(faults_frame(net)), mimetype=GEOJSON)
    if fmt != "json":
        return table_response(faults_frame(net).drop(columns="geometry"), "topology", fmt)
    return jsonify(summary=net.summary(), faults=net.faults)


def scope() -> Response:
    fmt = _fmt("csv", "xlsx", "problems.csv", "problems.xlsx")
    found = current_scope()
    table = courtyard_candidates(current_registry(), found)
    if fmt.startswith("problems."):
        return table_response(problems_frame(found.problems), "problems", fmt.split(".")[1])
    if fmt != "json":
        return table_response(flat_candidates(table), "scope", fmt)
    seg = found.segments
    return _json({"km_total": round(float(seg["length_m"].sum()) / 1000, 3),
                  "km_in_scope": round(float(seg.loc[seg["in_scope"], "length_m"].sum()) / 1000, 3),
                  "segments_in_scope": int(seg["in_scope"].sum()),
                  "km_to_assess": round(float(seg.loc[seg["bucket"] == "assess", "length_m"]
                                              .sum()) / 1000, 3),
                  "segments_to_assess": int((seg["bucket"] == "assess").sum()),
                  "courtyards": table.to_dict("records"), "problems": found.problems})


def progress() -> Response:
    year = request.args.get("year", default=date.today().year, type=int)
    reg = current_registry()
    table = courtyard_progress(reg, current_scope())
    return _json(progress_of(reg, year, table=table) | {"by_courtyard": table.to_dict("records")})


def valves() -> Response:
    fmt = _fmt("csv", "xlsx")
    by = request.args.get("by", "courtyard")
    if by not in LEVELS:
        raise InvalidInput(f"by must be one of {', '.join(LEVELS)}, got {by!r}")
    table = valve_rollup(current_registry(), by)
    if fmt != "json":
        return table_response(table, f"valves-{by}", fmt)
    return _json({"by": by, "rows": table.to_dict("records")})


def courtyards() -> Response:
    reg = current_registry()
    states = courtyard_progress(reg, current_scope())
    shapes = outlines(reg, network().mains).merge(states, on="courtyard", how="left")
    return Response(feature_collection(shapes), mimetype=GEOJSON)


def isolate() -> Response:
    fmt = _fmt("geojson", "csv", "xlsx")
    reg = current_registry()
    lonlat = None
    if "lon" in request.args or "lat" in request.args:
        lonlat = (float(request.args["lon"]), float(request.args["lat"]))
    net = network()
    answer = trace(reg, uuid=request.args.get("main"), lonlat=lonlat, net=net)
    if fmt == "geojson":
        return Response(orjson.dumps(trace_geojson(reg, net, answer)), mimetype=GEOJSON)
    if fmt != "json":
        return table_response(trace_table(answer), "isolation", fmt)
    return _json(answer)


def programme_list() -> Response:
    return _json({"programmes": programmes(current_registry())})


def programme_put(year: int) -> Response:
    body = request.get_json(silent=True)
    if not _programme_shape(body):
        raise InvalidInput('send JSON {"courtyards": [names], "targets": {"mains": share, '
                           '"valves": share}, "expected_version": n}')
    version = plan_programme(current_registry(), year, body["courtyards"], Change(who=who()),
                             targets=body.get("targets"),
                             expected_version=body.get("expected_version"))
    return _json({"year": year, "version": version, "courtyards": body["courtyards"]})


def _programme_shape(body: Any) -> bool:
    """Whether a programme body has the types the registry takes (names, shares, version)."""
    if not isinstance(body, dict) or not isinstance(body.get("courtyards"), list):
        return False
    targets, version = body.get("targets"), body.get("expected_version")
    return (all(isinstance(name, str) for name in body["courtyards"])
            and (targets is None or isinstance(targets, dict) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in targets.values()))
            and (version is None or isinstance(version, int) and not isinstance(version, bool)))


def _json(body: Any) -> Response:
    # NaN (an unknown age) is not JSON: orjson writes null.
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS),
                    mimetype="application/json")
