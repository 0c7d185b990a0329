"""The admin page of the audit trail: ``/admin/audit`` (HTML, or JSON with ``?f=json``),
filtered by ``who``, ``action`` and ``since``; newest first, at most ``limit`` entries.

There is no route that changes or deletes an entry: the journal refuses it anyway.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from registry import audit
from registry.errors import InvalidInput
from web.app import current_registry

DEFAULT_LIMIT, MAX_LIMIT = 200, 5000


def create_blueprint() -> Blueprint:
    """The ``/admin`` blueprint (admins only, by the policy's ``admin.*`` rule)."""
    blueprint = Blueprint("admin", __name__, url_prefix="/admin")
    blueprint.add_url_rule("/audit", "audit", audit_page)
    return blueprint


def audit_page() -> Response | str:
    args = request.args
    entries = audit.trail(current_registry(), who=args.get("who") or None,
                          action=args.get("action") or None, since=args.get("since") or None,
                          limit=_limit(args.get("limit")))
    if args.get("f") == "json":
        return jsonify(entries)
    return render_template("admin/audit.html", entries=entries, args=args)


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)
