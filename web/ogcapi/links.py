"""Links of OGC API documents: absolute hrefs with their relation and media type.

>>> from flask import Flask
>>> app = Flask(__name__)
>>> app.add_url_rule("/ogcapi/conformance", "conformance")
>>> with app.test_request_context(base_url="http://example.org"):
...     link("self", "conformance", JSON, "Conformance")["href"]
'http://example.org/ogcapi/conformance'
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import url_for

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"


def link(rel: str, endpoint: str, media_type: str, title: str, **values: Any) -> dict[str, str]:
    """One link object; `values` fill the route and the query string."""
    return {"href": url_for(endpoint, _external=True, **values), "rel": rel,
            "type": media_type, "title": title}


def self_links(endpoint: str, media_type: str, title: str, **values: Any) -> list[dict[str, str]]:
    """The document itself (as JSON) and its HTML alternate."""
    values = {k: v for k, v in values.items() if k != "f"}
    return [link("self", endpoint, media_type, title, f="json", **values),
            link("alternate", endpoint, HTML, f"{title} (HTML)", f="html", **values)]


def page_links(endpoint: str, args: Mapping[str, str], matched: int, returned: int,
               limit: int, offset: int, **route: Any) -> list[dict[str, str]]:
    """``next``/``prev`` links of a page of items, keeping every other parameter."""
    kept = {k: v for k, v in args.items() if k != "offset"}
    pages = []
    if offset + returned < matched:
        pages.append(link("next", endpoint, GEOJSON, "Next page", **route, **kept,
                          offset=offset + returned))
    if offset > 0:
        pages.append(link("prev", endpoint, GEOJSON, "Previous page", **route, **kept,
                          offset=max(0, offset - limit)))
    return pages
