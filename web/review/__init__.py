"""The data manager's review page, ``/imports/review``, and the JSON it reads and posts.

Held probable duplicates and flagged fields of every import (`registry.review`) are listed
beside a MapLibre map; the manager accepts, rejects or edits them one by one or ticked
together. The page is standalone (its own template, script and style). Its routes need the
``import`` permission (`web.auth.policy`), reading included: this is a data manager's page.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/imports/review")
('review.page', {})
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from registry import review as queue
from registry.change import Change
from registry.errors import InvalidInput
from web.app import current_registry
from web.auth.identity import who
from web.map.i18n import language
from web.map.page import initial_bounds
from web.review.i18n import texts

STATUSES = (queue.OPEN, queue.ACCEPTED, queue.REJECTED, queue.EDITED, "all")


def create_blueprint() -> Blueprint:
    """``/imports/review`` (the page), ``/api/review/items`` and ``/api/review/decisions``."""
    blueprint = Blueprint("review", __name__)
    blueprint.add_url_rule("/imports/review", "page", page)
    blueprint.add_url_rule("/api/review/items", "items", items)
    blueprint.add_url_rule("/api/review/decisions", "decide", decide, methods=["POST"])
    return blueprint


def page() -> str:
    lang = language(request.args)
    reg = current_registry()
    config = {"lang": lang, "text": texts(lang), "bounds": initial_bounds(reg),
              "items": url_for("review.items"), "decisions": url_for("review.decide")}
    return render_template("review/index.html", lang=lang, text=texts(lang), config=config)


def items() -> Response:
    """The items as a GeoJSON FeatureCollection (``?status=open|accepted|…|all``)."""
    status = request.args.get("status", queue.OPEN)
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    reg = current_registry()
    found = queue.items(reg, None if status == "all" else status)
    return jsonify({"type": "FeatureCollection", "features": [_feature(i) for i in found]})


def _feature(item: queue.ReviewItem) -> dict[str, Any]:
    return {"type": "Feature", "id": item.key, "geometry": item.geometry,
            "properties": {"batch": item.batch, "layer": item.layer, "file": item.file_name,
                           "row": item.row, "kind": item.kind, "field": item.field,
                           "value": item.value, "reason": item.reason, "status": item.status,
                           "source_id": item.source_id, "asset": item.asset,
                           "decided_by": item.decided_by, "decided_at": item.decided_at}}


def decide() -> tuple[Response, int]:
    """``{"batch", "rows": [...], "decision": "accept|reject|edit", "edits": {...}}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send the decision as a JSON object")
    rows, edits = body.get("rows"), body.get("edits") or {}
    if not isinstance(rows, list) or not rows or not all(isinstance(r, int) for r in rows):
        raise InvalidInput("rows must be a non-empty list of source row numbers")
    if not isinstance(edits, dict):
        raise InvalidInput("edits must be an object of field: value")
    reg = current_registry()
    batch = queue.batch_of(reg, str(body.get("batch") or ""))
    decision = str(body.get("decision"))
    done = queue.decide(reg, batch, rows, decision,
                        Change(who=who(), why=f"review {decision}", source="review", ref=batch),
                        edits)
    return jsonify({"decided": [_feature(i) for i in done]}), 200
