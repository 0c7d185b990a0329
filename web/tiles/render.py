"""Build one layer's tile from the registry: query the tile's box, project, encode.

A tile holding more than `MAX_FEATURES` assets is sent as clusters (count per cell) instead:
encoding costs ~5 µs an asset, so a z12 tile over the city centre (30,000 drains) would take
over 100 ms and draw a smear.

>>> from registry.layers import load_layers
>>> tile_properties(load_layers()["gas_mains"])
['uuid', 'gbt_code', 'state', 'condition', 'material']
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely

from registry import Registry
from registry.filters import Filter
from registry.layers import Layer
from registry.query import Query
from registry.storage.base import TileRequest
from web.tiles.address import EXTENT, TileAddress
from web.tiles.aggregate import CELL, clusters
from web.tiles.mvt import TileLayer, encode

MAX_FEATURES = 3000
#: Features are fetched this far (in tile units) beyond the edge, so symbols are not cut.
BUFFER = 64
#: Attributes the map's filters and colours read, when a layer has them.
STYLED_FIELDS = ("material", "status")


def tile_properties(layer: Layer) -> list[str]:
    """The attributes a tile carries: identity, state, condition and what colours the layer."""
    wanted = ["uuid", "gbt_code", "state", layer.condition.field, layer.condition.class_field,
              *layer.style.get("by_value", {}), *STYLED_FIELDS]
    present = {"uuid", "gbt_code", "state", *layer.field_names}
    return list(dict.fromkeys(name for name in wanted if name in present))


def render_tile(registry: Registry, layer: Layer, tile: TileAddress, where: Filter | None = None,
                grid: str | None = None, max_features: int = MAX_FEATURES) -> bytes:
    """The MVT of `layer` over `tile`: its features, or clusters when there are too many."""
    query = Query(layer.name, bbox=tile.lonlat_bounds(BUFFER / EXTENT), where=where, grid=grid)
    # A backend that encodes tiles itself (PostGIS: ST_AsMVT) answers with the same tile.
    made = registry.tile(TileRequest(
        query, tile.z, tile.x, tile.y, tuple(tile_properties(layer)), max_features, EXTENT,
        BUFFER, CELL))
    if made is not None:
        return made
    # Count first: a crowded tile then skips building a frame of max_features rows with
    # their properties only to throw it away; an uncrowded one pays a count off the R*Tree.
    if registry.count(query) > max_features:
        return encode([cluster_layer(layer.name, registry.centres(query), tile)])
    frame = registry.query(replace(query, properties=tile_properties(layer)))
    geometry = _pixels(frame.geometry.array, tile)
    properties = {name: frame[name].array for name in tile_properties(layer)}
    return encode([TileLayer(layer.name, geometry, properties)])


def cluster_layer(name: str, centres: np.ndarray, tile: TileAddress) -> TileLayer:
    """One point per occupied cell with the ``count`` of assets whose centre falls in it."""
    x, y = tile.to_pixels(centres[:, 0], centres[:, 1])
    where, count = clusters(x, y)
    return TileLayer(name, shapely.points(where), {"count": count})


def _pixels(geometry, tile: TileAddress) -> np.ndarray:
    """Geometries in tile units; lines and areas clipped to the tile and its buffer."""
    pixels = shapely.transform(np.asarray(geometry, dtype=object), tile.to_pixels, interleaved=False)
    if len(pixels) and shapely.get_type_id(pixels).max() > 0:
        pixels = shapely.clip_by_rect(pixels, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    return pixels
