"""The ``/tiles/{layer}/{z}/{x}/{y}.mvt`` endpoint, with the map's filters as query arguments.

A tile is served from the in-process cache while the registry's change stamp stands still;
an edit moves the stamp and the next request re-renders.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/tiles/drains/14/13403/6317.mvt")
('tiles.tile', {'layer': 'drains', 'z': 14, 'x': 13403, 'y': 6317})
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from registry.filters import conjunction
from web.app import current_registry
from web.auth import scope
from web.map.filters import MapFilter
from web.tiles.address import TileAddress
from web.tiles.cache import TileCache
from web.tiles.render import MAX_FEATURES, render_tile

MVT_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_KEY = "infracensus.tiles"


def create_blueprint() -> Blueprint:
    """The ``/tiles`` blueprint.

    Configuration: ``TILE_CACHE_TILES`` (default 4096) sizes the cache; ``TILE_MAX_FEATURES``
    (default 3000) is the most features a tile carries before it is sent as clusters.
    """
    blueprint = Blueprint("tiles", __name__, url_prefix="/tiles")
    blueprint.record_once(_add_cache)
    blueprint.add_url_rule("/<layer>/<int:z>/<int:x>/<int:y>.mvt", "tile", tile)
    return blueprint


def _add_cache(state: BlueprintSetupState) -> None:
    state.app.extensions[CACHE_KEY] = TileCache(state.app.config.get("TILE_CACHE_TILES", 4096))


def tile(layer: str, z: int, x: int, y: int) -> Response:
    registry = current_registry()
    address, spec = TileAddress(z, x, y), registry.layers[layer]
    caller = scope.current()
    caller.check_layer(spec.name)
    view = MapFilter.from_args(request.args)
    cache: TileCache = current_app.extensions[CACHE_KEY]
    # The scope is part of the key: a tile drawn for one grid's engineer is not another's.
    stamp, key = str(registry.change_stamp()), (layer, address, view, caller.key())
    body = cache.get(stamp, key)
    if body is None:
        where = conjunction(view.where(spec), caller.asset_filter())
        body = render_tile(registry, spec, address, where, view.grid_of(spec),
                           current_app.config.get("TILE_MAX_FEATURES", MAX_FEATURES))
        cache.put(stamp, key, body)
    response = Response(body, mimetype=MVT_TYPE)
    response.headers["Cache-Control"] = "no-cache"  # edits must show at the next look
    return response
