"""The JSON the map page reads: one asset for the side panel, search hits, and the grids.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/api/search")
('map_assets.search', {})
"""
from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from registry import Query, Registry
from registry.errors import InvalidInput
from registry.layers import SOURCE_ATTRIBUTES
from registry.source_attributes import parse as parse_source
from registry.filters import Filter, Like, Or
from web.app import current_registry
from web.auth import scope
from web.map import labels
from web.map.i18n import language

#: Fields a search looks in besides the codes, when a layer has them.
SEARCHED_FIELDS = ("road_name", "courtyard", "name")
HITS_PER_LAYER = 10


def create_blueprint() -> Blueprint:
    """``/api/assets/<uuid>``, ``/api/search?q=`` and ``/api/grids``."""
    blueprint = Blueprint("map_assets", __name__, url_prefix="/api")
    blueprint.add_url_rule("/assets/<uuid>", "asset", asset)
    blueprint.add_url_rule("/search", "search", search)
    blueprint.add_url_rule("/grids", "grids", grids)
    return blueprint


def asset(uuid: str) -> Response:
    registry, lang = current_registry(), language(request.args)
    found = scope.visible_asset(registry.get(uuid))
    layer, properties = registry.layers[found["layer"]], found["properties"]
    names = {g["code"]: g["name"] for g in grid_list(registry)}
    return _unsorted({
        "uuid": uuid, "layer": layer.name, "title": labels.title(layer, properties, lang),
        "attributes": labels.attributes(registry.layers, layer, properties, names, lang),
        "timeline": labels.timeline(layer, registry.history(uuid), lang),
        # Every column of the survey record, verbatim, in the file's order (None: the
        # asset did not come from a survey import).
        SOURCE_ATTRIBUTES: parse_source(properties.get(SOURCE_ATTRIBUTES)),
        "export": url_for("map_selection.export", layer=layer.name, ids=uuid, format="geojson"),
    })


def _unsorted(body: dict[str, Any]) -> Response:
    """JSON with its keys in their own order: the source attributes in the file's."""
    return current_app.response_class(current_app.json.dumps(body, sort_keys=False) + "\n",
                                      mimetype="application/json")


def search() -> Response:
    registry, lang = current_registry(), language(request.args)
    text = request.args.get("q", "").replace("%", "").strip()
    if not text:
        raise InvalidInput("search needs some text: q=...")
    hits: list[dict[str, Any]] = []
    for layer in scope.readable(registry.layers).values():
        if not layer.is_grid:
            where = search_filter(text, [f for f in SEARCHED_FIELDS if f in layer.field_names])
            frame = registry.query(scope.scoped(Query(layer.name, where=where,
                                                      limit=HITS_PER_LAYER)))
            hits += _hits(layer, frame, lang)
    return jsonify(hits)


def search_filter(text: str, fields: list[str]) -> Filter:
    """GB/T codes by prefix; survey ids and names anywhere in them.

    >>> search_filter("中山", ["road_name"]).items[-1]
    Like(field='road_name', pattern='%中山%')
    """
    return Or((Like("gbt_code", f"{text}%"), Like("source_id", f"%{text}%"),
               *(Like(f, f"%{text}%") for f in fields)))


def _hits(layer, frame, lang: str) -> list[dict[str, Any]]:
    where = shapely.get_coordinates(shapely.point_on_surface(np.asarray(frame.geometry.array)))
    rows = frame.drop(columns=frame.geometry.name).to_dict("records")
    return [{"uuid": row["uuid"], "layer": layer.name, "label": _hit_label(layer, row, lang),
             "lon": lon, "lat": lat} for row, (lon, lat) in zip(rows, where.tolist())]


def _hit_label(layer, row: dict, lang: str) -> str:
    place = next((row[f] for f in SEARCHED_FIELDS if isinstance(row.get(f), str) and row[f]), "")
    code = row.get("gbt_code") or row.get("source_id") or ""
    return " · ".join(w for w in (layer.title(lang), place, code) if w)


def grids() -> Response:
    """The grids of the caller's scope."""
    registry = current_registry()
    return jsonify(grid_list(registry, scope.scoped(Query(registry.layers.grid_layer.name))))


def grid_list(registry: Registry, query: Query | None = None) -> list[dict[str, Any]]:
    """Each responsibility grid's code, name, label point and box (to zoom to it), of those
    `query` selects (all by default)."""
    frame = registry.query(query or Query(registry.layers.grid_layer.name))
    shapes = np.asarray(frame.geometry.array)
    anchors = shapely.get_coordinates(shapely.point_on_surface(shapes))
    boxes = shapely.bounds(shapes).round(7).tolist()
    return [{"code": code, "name": name, "lon": lon, "lat": lat, "bbox": bbox}
            for code, name, (lon, lat), bbox in zip(frame["grid_code"], frame["name"],
                                                    anchors.tolist(), boxes)]
