"""Selecting a layer's assets by a drawn shape, a buffer around a drawn line, a grid or ids;
counting them (km for line layers) and exporting them.

``POST /api/select`` takes JSON ``{"layer", "geometry": GeoJSON, "buffer_m", "grid", ...}``
plus the map's filters; ``GET /api/export`` takes the same as query arguments and ``format``.

>>> pick = Selection.from_mapping({"layer": "drains", "geometry": '{"type": "Point", "coordinates": [114.5, 38.0]}', "buffer_m": "50"})
>>> pick.buffer_m, pick.geometry.geom_type
(50.0, 'Point')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import orjson
import shapely.geometry
from flask import Blueprint, Response, jsonify, request
from shapely.geometry.base import BaseGeometry

from registry import Query, Registry
from registry.errors import InvalidInput
from registry.layers import Layer
from web.app import current_registry
from web.auth import scope
from web.map.export import export_file
from web.map.filters import MapFilter
from web.map.i18n import language

MAX_BUFFER_M = 5000.0
#: Fields telling a reader where an asset is, the first a layer has is listed beside its code.
PLACE_FIELDS = ("road_name", "courtyard", "name")
#: How many selected assets are listed (and ringed on the map); all of them are counted.
LISTED = 1000


@dataclass(frozen=True)
class Selection:
    """Which assets of a layer the user picked."""

    layer: str
    geometry: BaseGeometry | None = None
    buffer_m: float = 0.0
    ids: tuple[str, ...] | None = None
    view: MapFilter = MapFilter()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Selection":
        """Read a selection from a JSON body or query arguments."""
        view = MapFilter.from_args({k: str(v) for k, v in data.items() if v is not None})
        ids = tuple(str(data["ids"]).split(",")) if data.get("ids") else None
        picked = cls(layer=str(data.get("layer") or ""), geometry=_geometry(data.get("geometry")),
                     buffer_m=_metres(data.get("buffer_m")), ids=ids, view=view)
        if picked.geometry is None and ids is None and view.grid is None:
            raise InvalidInput("a selection needs a drawn geometry, a grid or ids")
        return picked

    def query(self, registry: Registry, limit: int | None = None) -> Query:
        """What the selection asks of its layer (not yet held to anyone's scope)."""
        layer = registry.layers[self.layer]
        near = self.geometry is not None and self.buffer_m > 0
        return Query(layer.name, geometry=self.geometry, distance_m=self.buffer_m if near else None,
                     where=self.view.where(layer), grid=self.view.grid_of(layer),
                     ids=self.ids, limit=limit)


def _geometry(value: Any) -> BaseGeometry | None:
    if not value:
        return None
    try:
        geojson = orjson.loads(value) if isinstance(value, str) else value
        geometry = shapely.geometry.shape(geojson)
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError,
            shapely.errors.GEOSException):
        raise InvalidInput("geometry must be a GeoJSON geometry in lon/lat") from None
    if geometry.is_empty or not geometry.is_valid:
        raise InvalidInput(f"the drawn {geometry.geom_type} is empty or not valid")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        # PostGIS cannot project such a shape to metres (a buffer): the client's mistake.
        raise InvalidInput(f"the drawn {geometry.geom_type} reaches beyond lon/lat "
                           f"(bounds {minx:g}, {miny:g}, {maxx:g}, {maxy:g})")
    return geometry


def _metres(value: Any) -> float:
    try:
        metres = float(value or 0)
    except (TypeError, ValueError):
        raise InvalidInput(f"buffer_m must be a number of metres, got {value!r}") from None
    if not 0 <= metres <= MAX_BUFFER_M:
        raise InvalidInput(f"buffer_m must be between 0 and {MAX_BUFFER_M:.0f}, got {metres}")
    return metres


def create_blueprint() -> Blueprint:
    """``POST /api/select`` and ``GET /api/export``."""
    blueprint = Blueprint("map_selection", __name__, url_prefix="/api")
    blueprint.add_url_rule("/select", "select", select, methods=["POST"])
    blueprint.add_url_rule("/export", "export", export)
    return blueprint


def select() -> Response:
    registry = current_registry()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send the selection as a JSON object")
    picked = Selection.from_mapping(body)
    everything = scope.scoped(picked.query(registry))
    listed = registry.query(everything.page(LISTED))
    layer, lang = registry.layers[picked.layer], language(request.args)
    return jsonify({"layer": picked.layer, "count": registry.count(everything),
                    "length_km": _length_km(registry, picked, everything),
                    "features": [{"uuid": u, "label": label} for u, label in
                                 zip(listed["uuid"], list_labels(layer, listed, lang))]})


def _length_km(registry: Registry, picked: Selection, query: Query) -> float | None:
    """Total length of a line layer's selection (mains are counted in km)."""
    if not all("Line" in g for g in registry.layers[picked.layer].geometry):
        return None
    frame = registry.query(query)
    return round(float(registry.length_m(frame.geometry.array).sum()) / 1000, 3)


def list_labels(layer: Layer, frame, lang: str) -> list[str]:
    """Each listed asset as a reader tells them apart: its code, then where it is (road,
    courtyard or name) and its condition, ``1301020104000084 · 中山路 · 状况等级 3``."""
    codes = frame["gbt_code"].fillna(frame["source_id"]).fillna(frame["uuid"]).astype(str)
    condition = layer.condition.field or layer.condition.class_field
    shown = [f for f in (*PLACE_FIELDS, condition) if f and f in frame]
    rows = frame[shown].astype(object).where(frame[shown].notna(), None).to_dict("records")
    labels = []
    for code, row in zip(codes, rows):
        place = next((row[f] for f in PLACE_FIELDS if row.get(f)), None)
        grade = row.get(condition) if condition else None
        graded = f"{layer.field(condition).label(lang)} {grade}" if condition and grade is not None else None
        words = [code, place, graded]
        labels.append(" · ".join(str(w) for w in words if w))
    return labels


def export() -> Response:
    registry = current_registry()
    picked = Selection.from_mapping(request.args)
    frame = registry.query(scope.scoped(picked.query(registry)))
    body, mimetype, name = export_file(frame, registry.layers[picked.layer],
                                       request.args.get("format", "geojson"),
                                       language(request.args))
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
