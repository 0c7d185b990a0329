"""Hot tiles kept in memory, forgotten as soon as the registry changes.

Entries are keyed by what the tile shows (layer, address, filter) and stamped with the
registry's change stamp: a tile asked for under a newer stamp empties the cache, so an edit
is on the map at the next request.

>>> cache = TileCache(max_tiles=2)
>>> cache.put("v1", ("drains", 14, 1, 2), b"tile")
>>> cache.get("v1", ("drains", 14, 1, 2)), cache.get("v2", ("drains", 14, 1, 2))
(b'tile', None)
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable


class TileCache:
    """A thread-safe least-recently-used map from tile keys to encoded tiles."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[Hashable, bytes] = OrderedDict()
        self._stamp: str | None = None
        self._lock = threading.Lock()

    def get(self, stamp: str, key: Hashable) -> bytes | None:
        """The tile stored under `key`, or None (always None once `stamp` moved on)."""
        with self._lock:
            self._follow(stamp)
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, stamp: str, key: Hashable, tile: bytes) -> None:
        with self._lock:
            self._follow(stamp)
            self._tiles[key] = tile
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)

    def _follow(self, stamp: str) -> None:
        if stamp != self._stamp:  # the registry changed: every stored tile may be stale
            self._tiles.clear()
            self._stamp = stamp
