"""Where a web-map tile sits: its z/x/y address, its web-mercator box and its lon/lat box.

>>> tile = TileAddress(14, 13403, 6317)
>>> [round(v, 4) for v in tile.lonlat_bounds()]
[114.4995, 38.0308, 114.5215, 38.0481]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import Transformer

from registry.errors import NotFound

MAX_ZOOM = 22
#: Half the width of the world in web mercator (EPSG:3857) metres.
ORIGIN = math.pi * 6378137.0
#: Tile-local coordinates run from 0 to EXTENT (the MVT default).
EXTENT = 4096


@dataclass(frozen=True)
class TileAddress:
    """One tile of the web-mercator pyramid; NotFound when no such tile exists."""

    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise NotFound(f"no tile at zoom {self.z}: zoom runs from 0 to {MAX_ZOOM}")
        side = 1 << self.z
        if not (0 <= self.x < side and 0 <= self.y < side):
            raise NotFound(f"no tile {self.z}/{self.x}/{self.y}: x and y run from 0 to {side - 1}")

    @property
    def size(self) -> float:
        """Width of the tile in web-mercator metres."""
        return 2 * ORIGIN / (1 << self.z)

    def mercator_bounds(self) -> tuple[float, float, float, float]:
        left = -ORIGIN + self.x * self.size
        top = ORIGIN - self.y * self.size
        return left, top - self.size, left + self.size, top

    def lonlat_bounds(self, buffer: float = 0.0) -> tuple[float, float, float, float]:
        """The tile's lon/lat box grown by `buffer` (a fraction of its width) on each side."""
        side = 1 << self.z
        west, east = (self.x - buffer) / side * 360 - 180, (self.x + 1 + buffer) / side * 360 - 180
        north, south = _latitude((self.y - buffer) / side), _latitude((self.y + 1 + buffer) / side)
        return max(west, -180.0), south, min(east, 180.0), north

    def to_pixels(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Tile-local coordinates (0..EXTENT, y down) of lon/lat arrays."""
        mx, my = _to_mercator().transform(lon, lat)
        left, _, _, top = self.mercator_bounds()
        scale = EXTENT / self.size
        return (np.asarray(mx) - left) * scale, (top - np.asarray(my)) * scale


def _latitude(fraction: float) -> float:
    """Latitude of a mercator row given as a fraction of the world's height from the top."""
    fraction = min(max(fraction, 0.0), 1.0)
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * fraction))))


@lru_cache(maxsize=1)
def _to_mercator() -> Transformer:
    # CGCS2000 and WGS84 differ by centimetres: web mercator on either is the same map.
    return Transformer.from_crs(4490, 3857, always_xy=True)
