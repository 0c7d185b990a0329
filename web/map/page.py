"""The map page at ``/``, its MapLibre style, and MapLibre GL JS served from its PyPI package.

No file comes from a CDN: MapLibre GL JS and its CSS are read from the ``maplibre`` package
installed beside the app, our own scripts from ``web/static/map``.

>>> sorted(VENDOR_FILES)
['maplibre-gl.css', 'maplibre-gl.js']
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory, url_for

from registry import Query, Registry
from registry.errors import NotFound
from registry.events import EVENT_KINDS
from registry.layers import LayerLibrary
from web.app import current_registry
from web.auth import scope
from web.map.filters import MATERIAL_FIELD
from web.map.i18n import language, texts, value_label
from web.map.places import places
from web.map.style import legend, map_style
from web.shell import shell_context

VENDOR_FILES = {"maplibre-gl.js", "maplibre-gl.css"}
TILE_TEMPLATE = "tiles/{layer}/{z}/{x}/{y}.mvt"


def create_blueprint() -> Blueprint:
    """The map page blueprint: ``/``, ``/map/style.json`` and ``/vendor/maplibre/<file>``."""
    blueprint = Blueprint("map", __name__)
    # The shell (navigation, user, logout) is on every page of the site, not only the map's.
    blueprint.app_context_processor(shell_context)
    blueprint.add_url_rule("/", "index", index)
    blueprint.add_url_rule("/map/style.json", "style", style)
    blueprint.add_url_rule("/vendor/maplibre/<name>", "vendor", vendor)
    blueprint.add_url_rule("/api/places", "places", places)
    blueprint.add_url_rule("/sw.js", "service_worker", service_worker)
    return blueprint


def index() -> str:
    lang = language(request.args)
    registry = current_registry()
    config = page_config(scope.readable(registry.layers), lang) | {
        "bounds": initial_bounds(registry)}
    return render_template("map/index.html", lang=lang, text=texts(lang), config=config)


def style() -> Response:
    """The style; ``BASEMAP_URL`` (a raster tile template, e.g. Tianditu's) and
    ``BASEMAP_ATTRIBUTION`` configure the base map, which is left out when unset."""
    tiles = request.url_root + TILE_TEMPLATE
    config = current_app.config
    return jsonify(map_style(scope.readable(current_registry().layers), tiles,
                             config.get("BASEMAP_URL"), config.get("BASEMAP_ATTRIBUTION", "")))


def service_worker() -> Response:
    """The web app's service worker, served from the root so its scope is the whole site."""
    response = send_from_directory(Path(current_app.static_folder or "static") / "app", "sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def vendor(name: str) -> Response:
    if name not in VENDOR_FILES:
        raise NotFound(f"no vendored file {name!r}")
    return send_from_directory(maplibre_folder(), name, max_age=86400)


@lru_cache(maxsize=1)
def maplibre_folder() -> Path:
    """The folder of the ``maplibre`` package holding MapLibre GL JS (found, not imported)."""
    spec = importlib.util.find_spec("maplibre")
    if spec is None or not spec.submodule_search_locations:
        raise NotFound("MapLibre GL JS is not installed: pip install maplibre")
    return Path(next(iter(spec.submodule_search_locations))) / "srcjs"


def initial_bounds(registry: Registry) -> list[float]:
    """The box the map opens on: all responsibility grids, or the registry's extent."""
    grids = registry.query(Query(registry.layers.grid_layer.name))
    if grids.empty:
        return list(registry.settings.extent)
    return [float(v) for v in grids.total_bounds]


def page_config(layers: LayerLibrary, lang: str) -> dict[str, Any]:
    """What the page's script needs: strings, layers with their legends, filter choices."""
    return {
        "lang": lang, "text": texts(lang),
        "style": url_for("map.style"),
        "layers": [{"name": layer.name, "title": layer.title(lang), "grid": layer.is_grid,
                    "legend": legend(layer, lang)} for layer in layers.values()],
        "materials": _materials(layers, lang),
        # What a work order does, in words (清掏, not "cleaning"): the maintenance event kinds.
        "actions": {kind: zh if lang == "zh" else kind.replace("_", " ")
                    for kind, zh in EVENT_KINDS.items()},
    }


def _materials(layers: LayerLibrary, lang: str) -> list[dict[str, str]]:
    choices: dict[str, str] = {}
    for layer in layers.values():
        if MATERIAL_FIELD in layer.field_names:
            field = layer.field(MATERIAL_FIELD)
            choices.update({v: value_label(field, v, lang) for v in field.values or ()})
    return [{"value": v, "label": label} for v, label in choices.items()]
