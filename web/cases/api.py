"""The JSON API of cases: list, report, read, move, photos, and the overdue ones as GeoJSON.

A move is ``POST /api/cases/<id>/moves`` with ``{"move", "expected_version", "note",
"hours"}``; a stale ``expected_version`` answers 409, an illegal move 409 naming the state::

    POST /api/cases/202610090001/moves  {"move": "dispatch", "expected_version": 2}
    → 200 {"id": "202610090001", "state": "dispatched", "version": 3, ...}

A report is ``POST /api/cases`` as JSON ``{"category", "lon", "lat", "description",
"photos": [{"name", "data": base64}]}`` or as a form with ``photo`` files; 201 with the case.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, Mapping

import orjson
from flask import Response, jsonify, request, url_for

from registry import Change
from registry.cases import Photo, Report
from registry.change import utc_now
from registry.errors import InvalidInput
from web.auth import scope
from web.auth.identity import who
from web.cases import listing
from web.cases.i18n import language, limit_words, texts
from web.cases.listing import CaseQuery
from web.cases.service import asset_labels, case_json, history_json, rules, service

def list_cases() -> Response:
    """``GET /api/cases?state=&grid=&department=&category=&overdue=1&q=&sort=&order=&page=
    &per_page=`` (`web.cases.listing`), or the open cases within ``radius_m`` (default 100) of
    ``near=lon,lat``: one page, with the count of all that match."""
    args, now, lang = request.args, utc_now(), language(request.args)
    query = CaseQuery.from_args(args)
    cases = service()
    found = scope.visible_cases(listing.find(cases, query, now))
    if args.get("near"):
        found = listing.near(found, *_lonlat(args["near"]), _radius(args.get("radius_m")))
    found = listing.sort(found, query)
    shown, pages = listing.page_of(found, query)
    assets = asset_labels(cases.reg, shown, lang)
    return jsonify({"count": len(found), "page": query.page, "pages": pages,
                    "cases": [case_json(c, now, lang, assets) for c in shown]})


def _lonlat(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput(f"near must be lon,lat in degrees, got {text!r}") from None
    return lon, lat


def _radius(text: str | None) -> float:
    try:
        metres = float(text or listing.NEAR_M)
    except ValueError:
        raise InvalidInput(f"radius_m must be a number of metres, got {text!r}") from None
    if not 0 < metres <= listing.MAX_NEAR_M:
        raise InvalidInput(f"radius_m must be more than 0 and at most {listing.MAX_NEAR_M:.0f}")
    return metres


def report() -> tuple[Response, int, dict[str, str]]:
    """``POST /api/cases``: file a report; 201 with the new case."""
    data = _body()
    scope.check_report_at(service().reg, data.get("lon"), data.get("lat"))
    sent = Report(str(data.get("category") or ""), _number(data, "lon"), _number(data, "lat"),
                  str(data.get("description") or ""), _photos(data),
                  str(data.get("source") or "supervisor"))
    case = service().report(sent, Change(who=who(), source="case"))
    location = url_for("cases.case", case_id=case.id)
    return jsonify(case_json(case, utc_now(), language(request.args))), 201, {"Location": location}


def case(case_id: str) -> Response:
    """``GET /api/cases/<id>``: the case, its allowed moves and its history."""
    cases = service()
    found, lang = scope.visible_case(cases.get(case_id)), language(request.args)
    return jsonify(case_json(found, utc_now(), lang, asset_labels(cases.reg, [found], lang))
                   | {"history": history_json(cases.history(case_id), lang)})


def move(case_id: str) -> Response:
    """``POST /api/cases/<id>/moves``: one move of the life cycle, at the expected version."""
    data = _body()
    if data.get("expected_version") in (None, ""):
        raise InvalidInput("send expected_version: the case version the move was decided on")
    scope.check_case_change(service().get(case_id))
    moved = service().move(case_id, str(data.get("move") or ""), Change(who=who(), source="case"),
                           expected_version=int(data["expected_version"]),
                           note=str(data.get("note") or ""),
                           extra_hours=float(data.get("hours") or 0))
    return jsonify(case_json(moved, utc_now(), language(request.args)))


def photo(case_id: str, number: int) -> Response:
    """``GET /api/cases/<id>/photos/<n>``: the n-th photo (from 1)."""
    scope.visible_case(service().get(case_id))
    content, kind = service().photo(case_id, number - 1)
    return Response(content, mimetype=kind, headers={"Cache-Control": "max-age=86400"})


def overdue() -> Response:
    """``GET /api/cases/overdue.geojson``: open cases past their deadline, as points."""
    now, lang = utc_now(), language(request.args)
    features = [{"type": "Feature", "id": c.id,
                 "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                 "properties": {"id": c.id, "category": rules().category(c.category).title(lang),
                                "department": c.department, "deadline": c.deadline,
                                "state": c.state, "clock_started_at": c.clock_started_at,
                                "url": url_for("cases.list_page", case=c.id, lang=lang)}}
                for c in scope.visible_cases(service().find(overdue=True, now=now))]
    return Response(orjson.dumps({"type": "FeatureCollection", "features": features}),
                    mimetype="application/geo+json")


def categories() -> Response:
    """``GET /api/cases/categories``: what can be reported, and the report form's strings."""
    lang = language(request.args)
    return jsonify({"text": texts(lang),
                    "categories": [{"code": c.code, "label": c.title(lang), "kind": c.kind,
                                    "campaign": rules().campaigns[c.campaign],
                                    "limit": limit_words(c.limit_text, lang)}
                                   for c in rules().categories.values()]})


def _body() -> Mapping[str, Any]:
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise InvalidInput("the request body is not a JSON object")
        return data
    return request.form


def _photos(data: Mapping[str, Any]) -> list[Photo]:
    """Photos sent as form files (``photo``) or as base64 in JSON."""
    if not request.is_json:
        return [Photo(f.read(), f.filename or "photo") for f in request.files.getlist("photo")
                if f.filename]
    try:
        return [Photo(base64.b64decode(p["data"], validate=True), str(p.get("name", "photo")))
                for p in data.get("photos") or []]
    except (binascii.Error, KeyError, TypeError):
        raise InvalidInput("photos must be [{\"name\", \"data\": base64}]") from None


def _number(data: Mapping[str, Any], key: str) -> float:
    try:
        return float(data.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(f"{key} must be a number (CGCS2000 degrees), got "
                           f"{data.get(key)!r}") from None
