"""Answering in the format the client asked for: JSON by default, HTML on request.

``f=json`` or ``f=html`` decides; without ``f`` the ``Accept`` header does (a browser gets
HTML, GDAL, OWSLib and curl get JSON).
"""
from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from registry.errors import InvalidInput
from web.geojson import dumps
from web.ogcapi.links import GEOJSON, HTML, JSON

FORMATS = ("json", "html")


def wants_html() -> bool:
    """Whether this request should be answered with an HTML page.

    >>> from flask import Flask
    >>> with Flask(__name__).test_request_context("/?f=html"):
    ...     wants_html()
    True
    """
    chosen = request.args.get("f")
    if chosen is not None:
        if chosen not in FORMATS:
            raise InvalidInput(f"f must be one of {', '.join(FORMATS)}, got {chosen!r}")
        return chosen == "html"
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON)
    return best == HTML


def json_response(body: Any, media_type: str = JSON, headers: dict | None = None) -> Response:
    """`body` (a dict or bytes already encoded) as a JSON response."""
    data = body if isinstance(body, bytes) else dumps(body)
    return Response(data, mimetype=media_type, headers=headers)


def respond(document: dict, template: str, media_type: str = JSON, **context: Any) -> Response:
    """`document` as JSON, or rendered by ``ogcapi/<template>`` for a browser."""
    if wants_html():
        html = render_template(f"ogcapi/{template}", doc=document, **context)
        return Response(html, mimetype=HTML)
    return json_response(document, media_type)
