"""The descriptive documents of the API: landing page, conformance, collections, queryables.

Titles and descriptions come from the layer files (Chinese first, English after), so a new
layer appears here without code.
"""
from __future__ import annotations

from typing import Any, Mapping

from registry.layers import Field, Layer
from registry.settings import Settings
from web.ogcapi.crs import CRS84, epsg_uri, supported_uris
from web.ogcapi.links import GEOJSON, HTML, JSON, OPENAPI, SCHEMA, link, self_links
from web.ogcapi.params import FILTERABLE_SYSTEM_COLUMNS, offered_srids

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
]

#: Labels of the columns every asset has, as users of 数字城管 systems know them.
SYSTEM_LABELS = {
    "uuid": ("标识码", "Asset id"), "gbt_code": ("部件编码", "GB/T 30428 code"),
    "source_id": ("普查编号", "Survey id"), "grid_code": ("责任网格", "Responsibility grid"),
    "state": ("部件状态", "Component state"), "version": ("版本", "Version"),
    "created_at": ("录入时间", "Created"), "updated_at": ("更新时间", "Updated"),
    "retired_at": ("注销时间", "Retired"),
}
_JSON_TYPES = {"text": "string", "date": "string", "int": "integer", "float": "number",
               "bool": "boolean"}


def column_label(layer: Layer, name: str) -> str:
    """The Chinese label of a result column: ``井深 (m)``, ``部件状态``."""
    if name in SYSTEM_LABELS:
        return SYSTEM_LABELS[name][0]
    return layer.field(name).label("zh") if name in layer.field_names else name


def landing(settings: Settings) -> dict[str, Any]:
    """The landing page: what this service is and where everything else is."""
    return {
        "title": f"{settings.name} — OGC API Features",
        "description": f"城市部件普查登记 (county {settings.county}): drains, lamp posts, "
                       "bridges, gas mains, safety valves and responsibility grids.",
        "links": self_links("ogcapi.landing", JSON, "Landing page") + [
            link("service-desc", "ogcapi.openapi", OPENAPI, "OpenAPI definition"),
            link("conformance", "ogcapi.conformance", JSON, "Conformance classes"),
            link("http://www.opengis.net/def/rel/ogc/1.0/conformance", "ogcapi.conformance",
                 JSON, "Conformance classes"),
            link("data", "ogcapi.collections", JSON, "Collections"),
            link("http://www.opengis.net/def/rel/ogc/1.0/data", "ogcapi.collections", JSON,
                 "Collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE,
            "links": self_links("ogcapi.conformance", JSON, "Conformance classes")}


def collections(settings: Settings, layers: list[Layer],
                extents: Mapping[str, tuple[float, ...] | None]) -> dict[str, Any]:
    """Every layer as a collection."""
    return {"collections": [collection(settings, layer, extents[layer.name]) for layer in layers],
            "crs": supported_uris(offered_srids(settings)),
            "links": self_links("ogcapi.collections", JSON, "Collections")}


def collection(settings: Settings, layer: Layer,
               extent: tuple[float, ...] | None) -> dict[str, Any]:
    """One layer: titles, spatial extent of its assets (CRS84), CRSs and links."""
    return {
        "id": layer.name, "title": f"{layer.zh} {layer.en}", "description": _description(layer),
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [list(extent or settings.extent)], "crs": CRS84}},
        "crs": supported_uris(offered_srids(settings)),
        "storageCrs": epsg_uri(settings.storage_srid),
        "links": _collection_links(layer),
    }


def _description(layer: Layer) -> str:
    geometry = " / ".join(layer.geometry)
    return f"{layer.zh} ({layer.en}); {geometry}; fields: " + \
        ", ".join(f"{f.name} {f.zh}" for f in layer.fields)


def _collection_links(layer: Layer) -> list[dict[str, str]]:
    route = {"layer": layer.name}
    return self_links("ogcapi.collection", JSON, layer.zh, **route) + [
        link("items", "ogcapi.items", GEOJSON, f"{layer.zh} items", f="json", **route),
        link("items", "ogcapi.items", HTML, f"{layer.zh} items (HTML)", f="html", **route),
        link("http://www.opengis.net/def/rel/ogc/1.0/queryables", "ogcapi.queryables", SCHEMA,
             f"{layer.zh} queryables", **route),
    ]


def queryables(layer: Layer) -> dict[str, Any]:
    """The layer's filterable properties as a JSON Schema (OGC API Features Part 3)."""
    properties: dict[str, Any] = {"geometry": {"format": _geometry_format(layer),
                                               "title": "几何 Geometry"}}
    for name in FILTERABLE_SYSTEM_COLUMNS:
        zh, en = SYSTEM_LABELS[name]
        properties[name] = {"type": "string", "title": f"{zh} {en}"}
    properties.update({f.name: field_schema(f) for f in layer.fields})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": link("self", "ogcapi.queryables", SCHEMA, "", layer=layer.name)["href"],
            "type": "object", "title": f"{layer.zh} {layer.en}", "properties": properties,
            "additionalProperties": False}


def _geometry_format(layer: Layer) -> str:
    kinds = {kind.removeprefix("Multi").lower() for kind in layer.geometry}
    if len(layer.geometry) == 1:
        return f"geometry-{layer.geometry[0].lower()}"
    return "geometry-any" if len(kinds) > 1 else f"geometry-{kinds.pop()}-or-multi"


def field_schema(field: Field) -> dict[str, Any]:
    """JSON Schema of one field, with its Chinese title, domain and unit.

    >>> from registry.layers import load_layers
    >>> field_schema(load_layers()["drains"].field("condition"))
    {'type': 'integer', 'title': '状况等级 Condition grade', 'minimum': 1, 'maximum': 5}
    """
    schema: dict[str, Any] = {"type": _JSON_TYPES[field.type], "title": f"{field.zh} {field.en}"}
    if field.type == "date":
        schema["format"] = "date"
    if field.values:
        schema["enum"] = list(field.values)
    if field.range:
        schema["minimum"], schema["maximum"] = field.range
    if field.unit:
        schema["x-unit"] = field.unit
    return schema
