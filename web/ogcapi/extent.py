"""Spatial extent of a layer's current assets, for the collection documents.

Bounds are computed from the assets themselves and kept until the registry changes
(`Registry.change_stamp`), so listing collections does not re-read every layer.
"""
from __future__ import annotations

import threading

from flask import current_app

from registry import Registry

_CACHE_KEY = "infracensus.ogcapi.extents"
_lock = threading.Lock()


def layer_extent(reg: Registry, layer: str) -> tuple[float, float, float, float] | None:
    """Lon/lat bounds of a layer's current assets; None for an empty layer.

    >>> layer_extent(current_registry(), "drains")  # doctest: +SKIP
    (114.505, 38.035, 114.515, 38.045)
    """
    stamp = reg.change_stamp()
    cache = current_app.extensions.setdefault(_CACHE_KEY, {})
    with _lock:
        found = cache.get(layer)
        if found is None or found[0] != stamp:
            found = cache[layer] = (stamp, _bounds(reg, layer))
    return found[1]


def _bounds(reg: Registry, layer: str) -> tuple[float, float, float, float] | None:
    return reg.extent(layer)
