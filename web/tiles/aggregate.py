"""Low-zoom aggregation: one cluster point per cell of a tile, carrying how many assets it holds.

A z12 tile over the city centre can hold 30,000 drains; encoding them all takes a second and
draws a solid smear. Counting them per 256-unit cell (32 screen pixels) keeps the tile small
and the map readable.

>>> import numpy as np
>>> where, count = clusters(np.array([10.0, 20.0, 300.0]), np.array([10.0, 30.0, 5.0]))
>>> where.tolist(), count.tolist()
([[15.0, 20.0], [300.0, 5.0]], [2, 1])
"""
from __future__ import annotations

import numpy as np

from web.tiles.address import EXTENT

CELL = 256


def clusters(x: np.ndarray, y: np.ndarray, cell: int = CELL) -> tuple[np.ndarray, np.ndarray]:
    """Per occupied cell inside the tile: the mean position of its members, and their count.

    Members in the tile's buffer belong to the neighbouring tile's cells and are left to it.
    """
    inside = (x >= 0) & (x < EXTENT) & (y >= 0) & (y < EXTENT)
    x, y = x[inside], y[inside]
    per_side = EXTENT // cell
    key = (y // cell).astype(np.int64) * per_side + (x // cell).astype(np.int64)
    _, member_of, count = np.unique(key, return_inverse=True, return_counts=True)
    mean = np.column_stack([np.bincount(member_of, weights=x), np.bincount(member_of, weights=y)])
    return mean / count[:, None], count
