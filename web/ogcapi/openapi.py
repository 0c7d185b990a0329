"""The OpenAPI 3.0 document of ``/ogcapi``: every path, parameter and response.

Paths are written out per layer (as pygeoapi does) so each layer's property filters are
listed with their types and allowed values. The site's own ``/api/...`` endpoints join the
same document (`web.ogcapi.openapi_api`), each path with the site root as its server.
"""
from __future__ import annotations

from typing import Any

from flask import request, url_for

from registry.layers import Layer
from registry.settings import Settings
from web.ogcapi.crs import supported_uris
from web.ogcapi.links import GEOJSON, HTML, JSON, OPENAPI, SCHEMA
from web.ogcapi.metadata import SYSTEM_LABELS, field_schema
from web.ogcapi.openapi_api import api_paths
from web.ogcapi.params import (DEFAULT_LIMIT, FILTER_LANGUAGES, FILTERABLE_SYSTEM_COLUMNS,
                               MAX_LIMIT, offered_srids)

VERSION = "3.0.3"
_PROBLEM = {"$ref": "#/components/responses/Problem"}


def document(settings: Settings, layers: list[Layer]) -> dict[str, Any]:
    """The OpenAPI document for a registry with these settings and layers."""
    paths = _service_paths()
    for layer in layers:
        paths.update(_layer_paths(layer))
    paths.update(api_paths([layer.name for layer in layers], request.url_root.rstrip("/"),
                           settings.extent))
    return {
        "openapi": VERSION,
        "info": {"title": f"{settings.name} — OGC API Features", "version": "1.0.0",
                 "description": "城市部件普查登记 Infracensus: OGC API – Features Parts 1–3."},
        "servers": [{"url": url_for("ogcapi.landing", _external=True)}],
        "paths": paths,
        "components": {"parameters": _parameters(settings), "responses": _responses()},
    }


def _operation(summary: str, operation_id: str, parameters: list[str],
               media: dict[str, str], tag: str) -> dict[str, Any]:
    content = {media_type: {"schema": {"type": "object"}} for media_type in media.values()}
    return {"get": {
        "summary": summary, "operationId": operation_id, "tags": [tag],
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": {"200": {"description": summary, "content": content},
                      "400": _PROBLEM, "404": _PROBLEM, "500": _PROBLEM},
    }}


def _service_paths() -> dict[str, Any]:
    both = {"json": JSON, "html": HTML}
    return {
        "/": _operation("Landing page", "getLandingPage", ["f"], both, "service"),
        "/conformance": _operation("Conformance classes", "getConformance", ["f"], both,
                                   "service"),
        "/openapi": _operation("This OpenAPI document", "getOpenAPI", [], {"json": OPENAPI},
                               "service"),
        "/collections": _operation("The layers of the registry", "getCollections", ["f"], both,
                                   "service"),
    }


def _layer_paths(layer: Layer) -> dict[str, Any]:
    base, name, tag = f"/collections/{layer.name}", layer.name, layer.name
    features = {"json": GEOJSON, "html": HTML}
    items = _operation(f"{layer.zh} {layer.en}: assets", f"getItems_{name}",
                       ["f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter",
                        "filter-lang", "filter-crs"], features, tag)
    items["get"]["parameters"] += _property_parameters(layer)
    return {
        base: _operation(f"{layer.zh} {layer.en}", f"describeCollection_{name}", ["f"],
                         {"json": JSON, "html": HTML}, tag),
        f"{base}/queryables": _operation(f"{layer.zh}: queryable properties",
                                         f"getQueryables_{name}", ["f"],
                                         {"json": SCHEMA, "html": HTML}, tag),
        f"{base}/items": items,
        f"{base}/items/{{featureId}}": _operation(f"{layer.zh}: one asset", f"getFeature_{name}",
                                                  ["featureId", "f", "crs", "datetime"],
                                                  features, tag),
    }


def _property_parameters(layer: Layer) -> list[dict[str, Any]]:
    system = [{"name": name, "in": "query", "required": False, "schema": {"type": "string"},
               "description": f"{SYSTEM_LABELS[name][0]} {SYSTEM_LABELS[name][1]} equals"}
              for name in FILTERABLE_SYSTEM_COLUMNS]
    own = [{"name": f.name, "in": "query", "required": False, "description": f"{f.zh} equals",
            "schema": {k: v for k, v in field_schema(f).items() if not k.startswith("x-")}}
           for f in layer.fields]
    return system + own


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


def _parameters(settings: Settings) -> dict[str, Any]:
    crs = {"type": "string", "format": "uri", "enum": supported_uris(offered_srids(settings))}
    return {
        "f": _query("f", "Format of the answer (default: from the Accept header, else JSON)",
                    {"type": "string", "enum": ["json", "html"]}),
        "limit": _query("limit", "Items per page", {"type": "integer", "minimum": 1,
                                                    "maximum": MAX_LIMIT,
                                                    "default": DEFAULT_LIMIT}),
        "offset": _query("offset", "Items to skip (paging)",
                         {"type": "integer", "minimum": 0, "default": 0}),
        "bbox": _query("bbox", "minx,miny,maxx,maxy in bbox-crs axis order",
                       {"type": "array", "minItems": 4, "maxItems": 6,
                        "items": {"type": "number"}}, style="form", explode=False),
        "bbox-crs": _query("bbox-crs", "CRS of bbox (default CRS84)", crs),
        "crs": _query("crs", "CRS of the answer's geometries (default CRS84)", crs),
        "filter-crs": _query("filter-crs", "CRS of the filter's geometries (default CRS84)",
                             crs),
        "datetime": _query("datetime", "The layer as it stood at this instant (RFC 3339)",
                           {"type": "string"}),
        "filter": _query("filter", "CQL2 text filter, e.g. condition >= 4 AND material = 'pe'",
                         {"type": "string"}),
        "filter-lang": _query("filter-lang", "Filter language",
                              {"type": "string", "enum": list(FILTER_LANGUAGES),
                               "default": FILTER_LANGUAGES[0]}),
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "description": "Asset UUID", "schema": {"type": "string"}},
    }


def _responses() -> dict[str, Any]:
    problem = {"type": "object", "required": ["type", "title", "status", "detail"],
               "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                              "status": {"type": "integer"}, "detail": {"type": "string"}}}
    return {"Problem": {"description": "An error (RFC 9457 problem details)",
                        "content": {"application/problem+json": {"schema": problem}}}}
