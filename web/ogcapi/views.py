"""The OGC API – Features endpoints: thin views over the registry.

Each view reads its parameters (`web.ogcapi.params`), asks the registry, and answers JSON
or HTML (`web.ogcapi.render`); errors travel as registry exceptions to `web.errors`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import geopandas as gpd
from flask import Blueprint, Response, request

from registry.errors import NotFound
from registry.layers import Layer
from registry import Registry
from registry.query import Query
from web import geojson
from web.app import current_registry
from web.auth import scope
from web.ogcapi import metadata, openapi
from web.ogcapi.crs import OutputCrs
from web.ogcapi.extent import layer_extent
from web.ogcapi.links import GEOJSON, JSON, OPENAPI, SCHEMA, link, page_links, self_links
from web.ogcapi.params import (ITEM_PARAMETERS, check_parameters, items_request, parse_as_of,
                               parse_crs)
from web.ogcapi.render import json_response, respond, wants_html


def landing() -> Response:
    return respond(metadata.landing(current_registry().settings), "landing.html")


def conformance() -> Response:
    return respond(metadata.conformance(), "conformance.html")


def collections() -> Response:
    reg = current_registry()
    layers = list(scope.readable(reg.layers).values())
    extents = {layer.name: layer_extent(reg, layer.name) for layer in layers}
    return respond(metadata.collections(reg.settings, layers, extents), "collections.html",
                   layers={layer.name: layer for layer in layers})


def collection(layer: str) -> Response:
    reg = current_registry()
    found = reg.layers[layer]
    scope.check_layer(found)
    doc = metadata.collection(reg.settings, found, layer_extent(reg, layer))
    return respond(doc, "collection.html", layer=found)


def queryables(layer: str) -> Response:
    found = current_registry().layers[layer]
    scope.check_layer(found)
    return respond(metadata.queryables(found), "queryables.html", SCHEMA, layer=found)


def items(layer: str) -> Response:
    reg = current_registry()
    found = reg.layers[layer]
    asked = items_request(found, reg.settings, request.args)
    query = scope.scoped(asked.query)
    # Plain rows where the storage has them (PostGIS points): the frame would only be
    # taken apart again, column by column, to write the same JSON.
    rows = None if asked.crs.moves or wants_html() else reg.point_rows(query)
    if rows is not None:
        members = _items_members(reg, found, query, len(rows.rows))
        return json_response(geojson.feature_collection(rows, members), GEOJSON,
                             {"Content-Crs": f"<{asked.crs.uri}>"})
    frame = reg.query(query)
    members = _items_members(reg, found, query, len(frame))
    return _features(found, frame, asked.crs, members, "items.html", geojson.feature_collection)


def _items_members(reg: Registry, layer: Layer, query: Query, returned: int) -> dict:
    matched = _number_matched(reg, query, returned)
    return {
        "numberMatched": matched, "numberReturned": returned,
        "timeStamp": _now(),
        "links": self_links("ogcapi.items", GEOJSON, layer.zh, layer=layer.name, **request.args)
        + page_links("ogcapi.items", request.args, matched, returned, query.limit or 0,
                     query.offset, layer=layer.name)
        + [link("collection", "ogcapi.collection", JSON, layer.zh, layer=layer.name)],
    }


def _number_matched(reg: Registry, query: Query, returned: int) -> int:
    # A page that is not full ends the result, so its size gives the count without a second
    # query, unless it is empty because the offset ran past the end.
    if returned < (query.limit or 0) and (returned or not query.offset):
        return query.offset + returned
    return reg.count(query)


def item(layer: str, uuid: str) -> Response:
    reg = current_registry()
    found = reg.layers[layer]
    check_parameters(request.args, ITEM_PARAMETERS)
    crs = parse_crs(request.args, "crs", reg.settings)
    frame = reg.query(scope.scoped(Query(found.name, ids=[uuid],
                                         as_of=parse_as_of(request.args))))
    if frame.empty:
        raise NotFound(f"no asset {uuid} in layer {layer}")
    links = self_links("ogcapi.item", GEOJSON, uuid, layer=layer, uuid=uuid, **request.args) + [
        link("collection", "ogcapi.collection", JSON, found.zh, layer=layer)]
    return _features(found, frame, crs, {"links": links}, "item.html", geojson.feature)


def _features(layer: Layer, frame: gpd.GeoDataFrame, crs: OutputCrs, members: dict,
              template: str, encode: Callable[[gpd.GeoDataFrame, dict], bytes]) -> Response:
    headers = {"Content-Crs": f"<{crs.uri}>"}
    if crs.moves:
        frame = frame.set_geometry(crs.from_storage(frame.geometry.array.to_numpy()), crs=None)
    if wants_html():
        response = respond({"features": geojson.features(frame), **members}, template,
                           layer=layer, label=lambda name: metadata.column_label(layer, name))
        response.headers.update(headers)
        return response
    return json_response(encode(frame, members), GEOJSON, headers)


def openapi_document() -> Response:
    reg = current_registry()
    return json_response(openapi.document(reg.settings,
                                          list(scope.readable(reg.layers).values())), OPENAPI)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def register(blueprint: Blueprint) -> None:
    """Add every endpoint to the ``/ogcapi`` blueprint."""
    rules: list[tuple[str, str, Callable[..., Response]]] = [
        ("", "landing", landing), ("/", "landing_slash", landing),
        ("/conformance", "conformance", conformance),
        ("/openapi", "openapi", openapi_document),
        ("/collections", "collections", collections),
        ("/collections/<layer>", "collection", collection),
        ("/collections/<layer>/queryables", "queryables", queryables),
        ("/collections/<layer>/items", "items", items),
        ("/collections/<layer>/items/<uuid>", "item", item)]
    for rule, endpoint, view in rules:
        blueprint.add_url_rule(rule, endpoint, view)
