"""Work packages for field crews: one GeoJSON (RFC 7946, lon/lat) FeatureCollection holding
a crew's tasks and their assets, with a JSON Schema of what to record as a foreign member.

Each task feature carries the asset's uuid, GB/T code, current attributes, its version and a
signed version stamp, what to do, and empty result fields (``done_kind``, ``done_date``,
``condition_after``, ``notes``); the crew fills those, corrects attributes in place and adds
features without a stamp for assets found in the field (with a UUID made on the device).

>>> RESULT_FIELDS
('done_kind', 'done_date', 'condition_after', 'notes')
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely.geometry

from registry.change import Change
from registry.errors import NotFound
from registry.events import EVENT_KINDS
from registry.layers import Field, Layer
from registry.plans.planner import PACKAGE
from registry.plans.stamps import sign, stamp_key
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

RESULT_FIELDS = ("done_kind", "done_date", "condition_after", "notes")
#: Task properties written before the asset's own attributes.
TASK_FIELDS = ("task", "todo", "action", "layer", "uuid", "gbt_code", "grid_code", "version",
               "stamp", "score")
FORMAT = "infracensus-work-package/1"


def load(reg: "Registry", package_id: str) -> dict[str, Any]:
    """A package document ({key, version, body, ...}); NotFound if there is none."""
    try:
        return reg.document(PACKAGE, package_id)
    except NotFound:
        raise NotFound(f"no work package {package_id}") from None


def work_change(who: str, package_id: str, why: str) -> Change:
    """The provenance of every write a package makes."""
    return Change(who=who, why=why, source="work_package", ref=package_id)


def export(reg: "Registry", package_id: str, who: str) -> dict[str, Any]:
    """The package as a FeatureCollection dict (tasks in order, current asset versions).
    Nothing is written but the registry's stamp secret, on the very first export."""
    package = load(reg, package_id)["body"]
    change = work_change(who, package_id, f"work package {package_id} exported")
    key = stamp_key(reg, change)
    features = [f for layer, tasks in _by_layer(package["tasks"]).items()
                for f in _features(reg, reg.layers[layer], tasks, key, package_id)]
    features.sort(key=lambda f: f["properties"]["task"])
    layers = list(_by_layer(package["tasks"]))
    return {"type": "FeatureCollection",
            "package": {"id": package_id, "plan": package["plan"], "crew": package["crew"],
                        "exported_at": change.stamp, "format": FORMAT,
                        "registry": reg.settings.name, "tasks": len(features)},
            "form": form_schema(reg, layers), "features": features}


def _by_layer(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        out.setdefault(task["layer"], []).append(task)
    return out


def _features(reg: "Registry", layer: Layer, tasks: list[dict[str, Any]], key: bytes,
              package_id: str) -> list[dict[str, Any]]:
    # Assets retired since the plan was made have nothing left to do: they are left out.
    frame = reg.query(Query(layer.name, ids=[t["uuid"] for t in tasks]))
    rows = {row["uuid"]: row for row in frame.to_dict("records")}
    return [_feature(layer, task, rows[task["uuid"]], key, package_id)
            for task in tasks if task["uuid"] in rows]


def _feature(layer: Layer, task: dict[str, Any], row: dict[str, Any], key: bytes,
             package_id: str) -> dict[str, Any]:
    version = int(row["version"])
    head = {"task": task["order"], "todo": task["todo"], "action": task["action"],
            "layer": layer.name, "uuid": row["uuid"], "gbt_code": row["gbt_code"],
            "grid_code": row["grid_code"], "version": version,
            "stamp": sign(key, package_id, row["uuid"], version), "score": task["score"]}
    attributes = {f: _plain(row[f]) for f in layer.field_names}
    return {"type": "Feature", "id": row["uuid"],
            "geometry": shapely.geometry.mapping(row["geometry"]),
            "properties": head | attributes | dict.fromkeys(RESULT_FIELDS)}


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


# -- the form: what a crew records, as JSON Schema (draft 2020-12) ---------------------------
def form_schema(reg: "Registry", layers: list[str]) -> dict[str, Any]:
    """A JSON Schema of a returned feature's properties: the results, and per layer the
    attributes a crew may correct (and fills for a new asset)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "工单回填 Work-package results",
        "description": "Fill done_kind, done_date (YYYY-MM-DD), condition_after and notes for "
                       "each task done; correct attributes in place. An asset found in the "
                       "field is a new feature without a stamp: give it a new UUID, its "
                       "layer and its attributes. Leave tasks not done untouched.",
        "type": "object",
        "required": ["uuid", "layer"],
        "properties": {
            "uuid": {"type": "string", "format": "uuid"},
            "layer": {"enum": layers},
            "done_kind": {"title": "完成的工作 What was done", "enum": [*EVENT_KINDS, None]},
            "done_date": {"title": "完成日期 Date", "type": ["string", "null"],
                          "format": "date"},
            "condition_after": {"title": "处置后状况 Condition after",
                                "type": ["number", "null"]},
            "notes": {"title": "备注 Notes", "type": ["string", "null"]},
        },
        "allOf": [_layer_rule(reg.layers[name]) for name in layers],
    }


def _layer_rule(layer: Layer) -> dict[str, Any]:
    fields = {f.name: _field_schema(f) for f in layer.fields if not f.derived}
    scale = layer.condition.field or layer.condition.score_field
    if scale:
        fields["condition_after"] = _field_schema(layer.field(scale))
    return {"if": {"properties": {"layer": {"const": layer.name}}},
            "then": {"title": f"{layer.zh} {layer.en}", "properties": fields}}


_JSON_TYPES = {"text": "string", "int": "integer", "float": "number", "date": "string",
               "bool": "boolean"}


def _field_schema(f: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": f"{f.label('zh')} {f.label('en')}",
                              "type": [_JSON_TYPES[f.type], "null"]}
    if f.values:
        schema["enum"] = [*f.values, None]
    if f.range:
        schema["minimum"], schema["maximum"] = f.range
    if f.type == "date":
        schema["format"] = "date"
    return schema
