"""Responsibility grids (责任网格): which grid each asset falls in, decided spatially.

An asset belongs to the grid containing its representative point (a point itself, the
middle of a line, a point inside a polygon); where grids overlap the first one wins, and
an asset outside every grid has none.

>>> import shapely
>>> cells = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
>>> assign([shapely.Point(0.5, 0.5), shapely.Point(1.5, 0.2), shapely.Point(5, 5)], cells, ["A", "B"])
['A', 'B', None]
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import shapely


def anchor_points(geoms: Sequence | np.ndarray) -> np.ndarray:
    """One point per geometry that lies on it: the point, a line's middle, inside a polygon."""
    geoms = np.asarray(geoms, dtype=object)
    out = shapely.point_on_surface(geoms)
    lines = np.isin(shapely.get_type_id(geoms), [1, 5])
    if lines.any():
        out[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    return out


def assign(geoms: Sequence | np.ndarray, grid_shapes: Sequence, grid_codes: Sequence[str]
           ) -> list[str | None]:
    """The grid code of each geometry, or None outside every grid."""
    points = anchor_points(geoms)
    result = np.full(len(points), None, dtype=object)
    if len(grid_shapes) and len(points):
        tree = shapely.STRtree(np.asarray(grid_shapes, dtype=object))
        hits = tree.query(points, predicate="intersects")
        order = np.lexsort((hits[1], hits[0]))
        first = np.unique(hits[0][order], return_index=True)[1]
        codes = np.asarray(grid_codes, dtype=object)
        result[hits[0][order][first]] = codes[hits[1][order][first]]
    return result.tolist()
