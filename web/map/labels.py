"""An asset as the side panel shows it: labelled attributes with units, and one timeline.

>>> from registry.layers import load_layers
>>> layer = load_layers()["drains"]
>>> display(layer.field("depth_m"), 1.5, "zh"), display(layer.field("material"), "brick", "zh")
('1.5', '砖')
"""
from __future__ import annotations

from typing import Any, Mapping

from registry.events import EVENT_KINDS
from registry.layers import SOURCE_ATTRIBUTES, Field, Layer, LayerLibrary
from web.map.i18n import UI, VERSION_KINDS, say, texts, value_label

EMPTY = "—"


def title(layer: Layer, properties: Mapping[str, Any], lang: str) -> str:
    """``桥梁 · 胜利桥``: the layer and the asset's name, code or survey id."""
    name = properties.get("name") or properties.get("gbt_code") or properties.get("source_id")
    return f"{layer.title(lang)} · {name}" if name else layer.title(lang)


def attributes(layers: LayerLibrary, layer: Layer, properties: Mapping[str, Any],
               grid_names: Mapping[str, str], lang: str) -> list[dict[str, str]]:
    """Rows of the attribute table: identity, grid and state, then the layer's own fields."""
    text = texts(lang)
    code = properties.get("gbt_code")
    grid = properties.get("grid_code")
    state = properties.get("state")
    rows = [
        ("gbt_code", text["gbt_code"], f"{code} ({_class_name(layers, code, lang)})" if code else EMPTY),
        ("source_id", text["source_id"], properties.get("source_id") or EMPTY),
        ("grid_code", text["grid_code"], f"{grid_names.get(grid, '')} ({grid})".strip() if grid else EMPTY),
        ("state", text["state"], layers.catalogue.states.get(state or "", {}).get(lang, state or EMPTY)),
    ]
    rows += [(f.name, f.label(lang), display(f, properties.get(f.name), lang)) for f in layer.fields]
    return [{"name": name, "label": label, "value": value} for name, label, value in rows]


def _class_name(layers: LayerLibrary, code: str, lang: str) -> str:
    entry = layers.catalogue.classes.get(code[6:10], {})
    return entry.get(lang, code[6:10])


def display(field: Field, value: Any, lang: str) -> str:
    """A stored value as text: enumerations by their label, booleans as 是/否."""
    if value is None or value == "":
        return EMPTY
    if field.type == "bool":
        return say(UI, "yes" if value else "no", lang)
    if field.values:
        return value_label(field, str(value), lang)
    return str(value)


def timeline(layer: Layer, history: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    """Versions and maintenance events together, newest first."""
    entries = [_version_entry(layer, v, lang) for v in history["versions"]]
    entries += [_event_entry(e, lang) for e in history["events"]]
    # Within one minute, later versions (listed later) come first.
    ranked = sorted(enumerate(entries), key=lambda pair: (pair[1]["at"], pair[0]), reverse=True)
    return [entry for _, entry in ranked]


def _version_entry(layer: Layer, version: Mapping[str, Any], lang: str) -> dict[str, str]:
    changes = "; ".join(f"{_field_label(layer, name, lang)}: {before} → {after}"
                        for name, (before, after) in version["changes"].items())
    words = [f"{say(UI, 'version', lang)} {version['version']}",
             say(VERSION_KINDS, version["kind"], lang), version["who"], version.get("why") or "",
             changes]
    # UTC as stored (ISO 8601, with its Z): the page shows it in Beijing time.
    return {"kind": "version", "at": str(version["valid_from"]),
            "text": " · ".join(w for w in words if w)}


def _field_label(layer: Layer, name: str, lang: str) -> str:
    if name in layer.field_names:
        return layer.field(name).label(lang)
    group, dot, column = name.partition(".")  # source_attributes.备注: one survey column
    if dot and group == SOURCE_ATTRIBUTES:
        return f"{texts(lang)[SOURCE_ATTRIBUTES]} {column}"
    return texts(lang).get(name, name)


def _event_entry(event: Mapping[str, Any], lang: str) -> dict[str, str]:
    kind = EVENT_KINDS.get(event["kind"], event["kind"]) if lang == "zh" else event["kind"].replace("_", " ")
    before, after = event.get("condition_before"), event.get("condition_after")
    condition = f"{before or '?'} → {after}" if after is not None else ""
    words = [kind, event.get("crew") or "", condition, event.get("notes") or ""]
    return {"kind": "event", "at": str(event["date"])[:10],
            "text": " · ".join(w for w in words if w)}
