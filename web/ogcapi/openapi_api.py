"""The site's own JSON API (``/api/...``) in the OpenAPI document, beside OGC API Features.

Each path item carries its own ``servers`` entry (the site root), since the document's
server is ``/ogcapi``. Parameters and bodies are described as the views read them, so a
generated client (or schemathesis) sends what the server understands; every error answers
with the one problem shape (``#/components/responses/Problem``).

>>> sorted(api_paths(["drains"], "http://localhost"))[:2]
['/api/assets/{uuid}', '/api/cases']
"""
from __future__ import annotations

from typing import Any

from registry.cases import load_rules
from registry.cases.workflow import MOVES
from registry.gas.programme import LEVELS
from web.map.export import FORMATS
from web.map.selection import MAX_BUFFER_M
from web.plans.files import MEDIA_TYPES as PACKAGE_FORMATS

JSON, GEOJSON, FORM = "application/json", "application/geo+json", "multipart/form-data"
_PROBLEM = {"$ref": "#/components/responses/Problem"}
ANY: dict[str, Any] = {}
STRING, NUMBER, INTEGER = {"type": "string"}, {"type": "number"}, {"type": "integer"}
BOOLEAN_TEXT = {"type": "string", "enum": ["true", "false", "1", "0"]}
LANG = {"name": "lang", "in": "query", "required": False, "description": "zh (default) or en",
        "schema": {"type": "string", "enum": ["zh", "en"]}}


Extent = tuple[float, float, float, float]
#: Shijiazhuang, lon/lat (the registry's own extent is passed in).
CITY: Extent = (113.5, 37.4, 115.5, 38.8)


def api_paths(layers: list[str], root: str, extent: Extent = CITY) -> dict[str, Any]:
    """Every ``/api/...`` path for a registry with these layer names and lon/lat extent,
    served from `root`."""
    layer = {"type": "string", "enum": layers}
    paths = {**_map_paths(layer, extent), **_case_paths(extent), **_plan_paths(layer, extent),
             **_gas_paths(), **_import_paths(layer), **_review_paths()}
    return {path: {"servers": [{"url": root}], **item} for path, item in paths.items()}


def lonlat(extent: Extent) -> dict[str, dict[str, Any]]:
    """``lon`` and ``lat`` as numbers inside the registry's extent."""
    return {"lon": {"type": "number", "minimum": extent[0], "maximum": extent[2]},
            "lat": {"type": "number", "minimum": extent[1], "maximum": extent[3]}}


def geometry(extent: Extent) -> dict[str, Any]:
    """A drawn shape as the map sends it: a GeoJSON point or polygon, lon/lat."""
    # OpenAPI 3.0 has no per-position item schema: both numbers within the extent's span.
    position = {"type": "array", "minItems": 2, "maxItems": 2, "items": {
        "type": "number", "minimum": min(extent), "maximum": max(extent)}}
    shape = {"Point": position, "Polygon": {"type": "array", "minItems": 1, "maxItems": 1,
                                            "items": {"type": "array", "minItems": 4,
                                                      "maxItems": 8, "items": position}}}
    return {"description": "GeoJSON geometry, lon/lat", "oneOf": [
        obj(["type", "coordinates"], type={"type": "string", "enum": [kind]}, coordinates=value)
        for kind, value in shape.items()]}


def query(name: str, schema: dict[str, Any], description: str = "",
          required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


def path(name: str, schema: dict[str, Any] = STRING) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def operation(summary: str, operation_id: str, tag: str, parameters: list | None = None,
              body: dict[str, dict] | None = None, media: str = JSON,
              status: str = "200") -> dict[str, Any]:
    """One operation: its parameters, request body (by media type) and answers."""
    found: dict[str, Any] = {
        "summary": summary, "operationId": operation_id, "tags": [tag],
        "parameters": parameters or [],
        "responses": {status: {"description": summary, "content": {media: {"schema": ANY}}},
                      **{code: _PROBLEM for code in ("400", "401", "403", "404", "409", "413",
                                                     "500")}}}
    if body:
        found["requestBody"] = {"required": True, "content": {
            kind: {"schema": schema} for kind, schema in body.items()}}
    return found


def obj(required: list[str] | None = None, **properties: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _selection(layer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What picks assets on the map (``/api/select``, ``/api/export``, plans)."""
    return {"layer": layer, "ids": {**STRING, "description": "asset UUIDs, comma-separated"},
            "buffer_m": {"type": "number", "minimum": 0, "maximum": MAX_BUFFER_M},
            "condition": {"type": "integer", "minimum": 1, "maximum": 5},
            "material": STRING, "built_before": INTEGER, "grid": STRING}


def _map_paths(layer: dict[str, Any], extent: Extent) -> dict[str, Any]:
    picked = _selection(layer)
    export_params = [query(k, v, required=k == "layer") for k, v in picked.items()] + [
        query("geometry", STRING, "GeoJSON geometry as text"),
        query("format", {"type": "string", "enum": list(FORMATS)})]
    return {
        "/api/assets/{uuid}": {"get": operation("One asset with its history", "getAsset", "map",
                                                [path("uuid"), LANG])},
        "/api/search": {"get": operation("Find assets by code, survey id or name", "search",
                                         "map", [query("q", STRING, "text", True), LANG])},
        "/api/grids": {"get": operation("Responsibility grids 责任网格", "getGrids", "map")},
        "/api/places": {"get": operation("Road and courtyard labels for the base map",
                                         "getPlaces", "map")},
        "/api/select": {"post": operation("Count and list a map selection", "select", "map",
                                          body={JSON: obj(["layer"], geometry=geometry(extent),
                                                          **picked)})},
        "/api/export": {"get": operation("Download a map selection", "exportSelection", "map",
                                         export_params, media="application/octet-stream")},
    }


def _case_paths(extent: Extent) -> dict[str, Any]:
    category = {"type": "string", "enum": sorted(load_rules().categories)}
    report = obj(["category", "lon", "lat"], category=category, **lonlat(extent),
                 description=STRING,
                 photos={"type": "array", "items": obj(["data"], name=STRING,
                                                       data={**STRING, "format": "byte"})})
    report_form = obj(["category", "lon", "lat"], category=category, **lonlat(extent),
                      description=STRING, photo={"type": "array",
                                                 "items": {"type": "string", "format": "binary"}})
    move = obj(["move", "expected_version"], move={"type": "string", "enum": sorted(MOVES)},
               expected_version=INTEGER, note=STRING, hours={"type": "number", "minimum": 0})
    filters = [query(name, STRING) for name in ("state", "grid", "department", "category")]
    return {
        "/api/cases": {
            "get": operation("Cases, newest first", "listCases", "cases", [
                *filters, query("overdue", BOOLEAN_TEXT),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}), LANG]),
            "post": operation("Report a case 信息收集", "reportCase", "cases", [LANG],
                              body={JSON: report, FORM: report_form}, status="201")},
        "/api/cases/categories": {"get": operation("What can be reported", "getCaseCategories",
                                                   "cases", [LANG])},
        "/api/cases/overdue.geojson": {"get": operation("Overdue cases", "getOverdueCases",
                                                        "cases", [LANG], media=GEOJSON)},
        "/api/cases/{case_id}": {"get": operation("One case and its history", "getCase",
                                                  "cases", [path("case_id"), LANG])},
        "/api/cases/{case_id}/moves": {"post": operation(
            "Move a case along its life cycle", "moveCase", "cases", [path("case_id"), LANG],
            body={JSON: move})},
        "/api/cases/{case_id}/photos/{number}": {"get": operation(
            "A case's photo", "getCasePhoto", "cases",
            [path("case_id"), path("number", {"type": "integer", "minimum": 1})],
            media="image/jpeg")},
    }


def _plan_paths(layer: dict[str, Any], extent: Extent) -> dict[str, Any]:
    package = path("package_id")
    proposal = obj(["selection"], selection=obj(["layer"], geometry=geometry(extent),
                                                **_selection(layer)),
                   budget_yuan={"type": "number", "minimum": 0},
                   crew_days={"type": "number", "minimum": 0},
                   crews={"type": "array", "items": STRING}, title=STRING)
    choice = {"oneOf": [{"type": "string", "enum": ["office", "crew"]},
                        {"type": "object", "additionalProperties": {
                            "type": "string", "enum": ["office", "crew"]}}]}
    return {
        "/api/plans": {
            "get": operation("Repair plans", "listPlans", "plans"),
            "post": operation("Propose a plan for a selection", "proposePlan", "plans",
                              body={JSON: proposal})},
        "/api/plans/{plan_id}": {"get": operation("One plan", "getPlan", "plans",
                                                  [path("plan_id")])},
        "/api/plans/scores/{uuid}": {"get": operation("An asset's risk score explained",
                                                      "getAssetScore", "plans",
                                                      [path("uuid"), LANG])},
        "/api/plans/scores.geojson": {"get": operation(
            "A layer's assets with their scores", "getScores", "plans",
            [query("layer", layer, required=True),
             query("bbox", STRING, "minx,miny,maxx,maxy")], media=GEOJSON)},
        "/api/packages/{package_id}/export": {"get": operation(
            "A crew's work package file", "exportPackage", "plans",
            [package, query("format", {"type": "string", "enum": list(PACKAGE_FORMATS)})],
            media=GEOJSON)},
        "/api/packages/{package_id}/return": {"post": operation(
            "Return a crew's package", "returnPackage", "plans", [package],
            body={GEOJSON: obj(), FORM: obj(["file"], file={"type": "string",
                                                            "format": "binary"})})},
        "/api/packages/{package_id}/conflicts": {"get": operation(
            "A returned package's conflicts", "getPackageConflicts", "plans", [package])},
        "/api/packages/{package_id}/settle": {"post": operation(
            "Settle one conflict", "settleConflict", "plans", [package],
            body={JSON: obj(["uuid", "choice"], uuid=STRING, choice=choice)})},
    }


def _gas_paths() -> dict[str, Any]:
    def fmt(*allowed: str) -> dict[str, Any]:
        return query("f", {"type": "string", "enum": ["json", *allowed]})
    programme = obj(["courtyards"], courtyards={"type": "array", "items": STRING},
                    targets=obj(mains={"type": "number", "minimum": 0, "maximum": 1},
                                valves={"type": "number", "minimum": 0, "maximum": 1}),
                    expected_version=INTEGER)
    year = {"type": "integer", "minimum": 2000, "maximum": 2100}
    return {
        "/api/gas/topology": {"get": operation("Gas network summary and faults", "gasTopology",
                                               "gas", [fmt("geojson", "csv", "xlsx")])},
        "/api/gas/scope": {"get": operation("Renovation scope by courtyard", "gasScope", "gas",
                                            [fmt("csv", "xlsx", "problems.csv",
                                                 "problems.xlsx")])},
        "/api/gas/progress": {"get": operation("Progress against a year's targets",
                                               "gasProgress", "gas", [query("year", year)])},
        "/api/gas/valves": {"get": operation("Safety valves rolled up", "gasValves", "gas", [
            query("by", {"type": "string", "enum": list(LEVELS)}), fmt("csv", "xlsx")])},
        "/api/gas/courtyards": {"get": operation("Courtyard outlines", "gasCourtyards", "gas",
                                                 media=GEOJSON)},
        "/api/gas/isolate": {"get": operation("Valves to close to isolate a main", "gasIsolate",
                                              "gas", [query("main", STRING), query("lon", NUMBER),
                                                      query("lat", NUMBER),
                                                      fmt("geojson", "csv", "xlsx")])},
        "/api/gas/programmes": {"get": operation("Every yearly programme", "gasProgrammes",
                                                 "gas")},
        "/api/gas/programmes/{year}": {"put": operation(
            "Set a year's programme", "putGasProgramme", "gas", [path("year", year)],
            body={JSON: programme})},
    }


def _import_paths(layer: dict[str, Any]) -> dict[str, Any]:
    form = obj(["file", "layer"], file={"type": "string", "format": "binary"}, layer=layer,
               crs=STRING, encoding=STRING, coords={"type": "string", "enum": ["gcj02", "bd09"]},
               gpkg_layer=STRING, dry_run=BOOLEAN_TEXT, accept_duplicates=BOOLEAN_TEXT)
    return {"/api/imports": {"post": operation(
        "Import a survey file (a limit reached is 413)", "importSurvey", "imports",
        body={FORM: form}, status="201")}}


def _review_paths() -> dict[str, Any]:
    status = {"type": "string", "enum": ["open", "accepted", "rejected", "edited", "all"]}
    decision = obj(["batch", "rows", "decision"], batch=STRING,
                   rows={"type": "array", "minItems": 1, "items": INTEGER},
                   decision={"type": "string", "enum": ["accept", "reject", "edit"]},
                   edits={"type": "object"})
    return {
        "/api/review/items": {"get": operation(
            "Held duplicates and flagged fields waiting for review", "getReviewItems",
            "imports", [query("status", status)], media=GEOJSON)},
        "/api/review/decisions": {"post": operation(
            "Accept, reject or edit review items", "decideReviewItems", "imports",
            body={JSON: decision})},
    }
