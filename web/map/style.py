"""The MapLibre style of the map, generated from the layer files' ``[style]`` blocks.

A layer is drawn in its colour; `by_class` recolours by condition class (bridges D/E red),
`by_value.<field>` by a field's value (gas mains by material, valves by status), and layers
graded 1–5 without either turn red at the poor grades. The legend lists the same colours.

>>> from registry.layers import load_layers
>>> style = map_style(load_layers(), "/tiles/{layer}/{z}/{x}/{y}.mvt")
>>> [layer["id"] for layer in style["layers"]][:3]
['background', 'grids-line', 'bridges-fill']
"""
from __future__ import annotations

from typing import Any

from registry.layers import Layer, LayerLibrary
from web.map.i18n import value_label

BACKGROUND = "#f4f3ef"
#: Colours of the poor condition grades (4, 5) of layers graded 1–5 with no other colouring.
POOR_GRADES = {4: "#e31a1c", 5: "#99000d"}
#: Drawing order: grids, then areas under lines under points.
GEOMETRY_ORDER = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1,
                  "Point": 2, "MultiPoint": 2}
NOT_CLUSTER = ["!", ["has", "count"]]
SELECTED = "#00e5ff"


def map_style(layers: LayerLibrary, tiles: str, basemap: str | None = None,
              attribution: str = "") -> dict:
    """A MapLibre style: one vector source per layer (``{layer}`` in `tiles`), in draw order,
    over a raster base map when a tile URL template for one is given."""
    ordered = sorted(layers.values(),
                     key=lambda layer: (not layer.is_grid, GEOMETRY_ORDER[layer.geometry[0]]))
    sources: dict[str, Any] = {layer.name: {"type": "vector", "minzoom": 0, "maxzoom": 22,
                                            "tiles": [tiles.replace("{layer}", layer.name)]}
                               for layer in ordered}
    drawn: list[dict] = [{"id": "background", "type": "background",
                          "paint": {"background-color": BACKGROUND}}]
    if basemap:
        sources["basemap"] = {"type": "raster", "tiles": [basemap], "tileSize": 256,
                              "attribution": attribution}
        drawn.append({"id": "basemap", "type": "raster", "source": "basemap"})
    for layer in ordered:
        drawn.extend(style_layers(layer))
    return {"version": 8, "name": "Infracensus", "sources": sources, "layers": drawn}


def style_layers(layer: Layer) -> list[dict]:
    """The MapLibre layers drawing one registry layer, its clusters and its selection."""
    if layer.is_grid:
        return [_line(layer, {"line-color": colour_of(layer), "line-dasharray": [3, 2],
                              "line-width": layer.style.get("width", 1)})]
    kinds = {GEOMETRY_ORDER[g] for g in layer.geometry}
    drawn = []
    if 0 in kinds:
        drawn.append(_typed(layer, "fill", "Polygon", {"fill-color": colour_of(layer),
                                                       "fill-opacity": 0.45}))
    if kinds & {0, 1}:
        drawn.append(_line(layer, {"line-color": colour_of(layer),
                                   "line-width": layer.style.get("width", 2)}))
    if 2 in kinds:
        drawn.append(_typed(layer, "circle", "Point", {
            "circle-color": colour_of(layer), "circle-radius": layer.style.get("radius", 3),
            "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.5}))
    return drawn + [_clusters(layer), _selected(layer, min(kinds))]


def _typed(layer: Layer, kind: str, geometry: str, paint: dict) -> dict:
    return {"id": f"{layer.name}-{kind}", "type": kind, "source": layer.name,
            "source-layer": layer.name, "paint": paint,
            "filter": ["all", NOT_CLUSTER, ["==", ["geometry-type"], geometry]]}


def _line(layer: Layer, paint: dict) -> dict:
    return {"id": f"{layer.name}-line", "type": "line", "source": layer.name,
            "source-layer": layer.name, "paint": paint, "filter": NOT_CLUSTER,
            "layout": {"line-cap": "round", "line-join": "round"}}


def _clusters(layer: Layer) -> dict:
    # Area grows with the count: radius 4 px for one asset, ~20 px for thousands.
    radius = ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 4, 100, 20]
    return {"id": f"{layer.name}-cluster", "type": "circle", "source": layer.name,
            "source-layer": layer.name, "filter": ["has", "count"],
            "paint": {"circle-color": layer.style.get("color", "#888888"), "circle-opacity": 0.6,
                      "circle-radius": radius, "circle-stroke-color": "#ffffff",
                      "circle-stroke-width": 1}}


def _selected(layer: Layer, kind: int) -> dict:
    """Highlights the listed selection; the page sets the uuids in its filter."""
    base = {"id": f"{layer.name}-selected", "source": layer.name, "source-layer": layer.name,
            "filter": ["in", ["get", "uuid"], ["literal", []]]}
    if kind == 2:
        return {**base, "type": "circle", "paint": {
            "circle-radius": layer.style.get("radius", 3) + 3, "circle-color": "rgba(0,0,0,0)",
            "circle-stroke-color": SELECTED, "circle-stroke-width": 2}}
    return {**base, "type": "line", "paint": {"line-color": SELECTED, "line-width": 4}}


def colour_rules(layer: Layer) -> tuple[str | None, dict[Any, str]]:
    """The field a layer's colour depends on and its colour per value (empty: one colour)."""
    style = layer.style
    if "by_class" in style and layer.condition.class_field:
        return layer.condition.class_field, dict(style["by_class"])
    for field, colours in style.get("by_value", {}).items():
        return field, dict(colours)
    if layer.condition.field and not layer.is_grid:
        return layer.condition.field, dict(POOR_GRADES)
    return None, {}


def colour_of(layer: Layer) -> Any:
    """A MapLibre expression for a feature's colour."""
    base = layer.style.get("color", "#888888")
    field, colours = colour_rules(layer)
    if not colours:
        return base
    pairs = [item for value, colour in colours.items() for item in (value, colour)]
    return ["match", ["get", field], *pairs, base]


def legend(layer: Layer, lang: str) -> list[dict[str, str]]:
    """The legend rows of a layer: its colour, then each value with its own colour."""
    field, colours = colour_rules(layer)
    rows = [{"label": layer.title(lang), "colour": layer.style.get("color", "#888888")}]
    if field is None:
        return rows
    return rows + [{"label": _value_title(layer, field, value, lang), "colour": colour}
                   for value, colour in colours.items()]


def _value_title(layer: Layer, field: str, value: Any, lang: str) -> str:
    if isinstance(value, int):
        return f"{layer.field(field).label(lang)} {value}"
    if field == layer.condition.class_field:
        names = {c.name: c.zh for c in layer.condition.classes}
        return f"{value} {names.get(value, '')}".strip() if lang == "zh" else f"Class {value}"
    return value_label(layer.field(field), value, lang)
