"""Responsibility grids (责任网格): which grid each asset falls in, decided spatially.

An asset belongs to the grid containing its anchor point (a point itself, the middle of a
line, a point inside a polygon); where grids overlap the first one wins, and an asset
outside every grid has none.

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
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    lines, others = np.isin(types, [1, 5]), ~np.isin(types, [0, 1, 5])
    if lines.any():
        out[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    if others.any():
        out[others] = shapely.point_on_surface(geoms[others])
    return out


def assign(geoms: Sequence | np.ndarray, grid_shapes: Sequence, grid_codes: Sequence[str]
           ) -> list[str | None]:
    """The grid code of each geometry, or None outside every grid.

    A city has tens of grids and millions of assets, so each grid tests only the points
    inside its own bounding box, with a vectorised point-in-polygon.
    """
    xy = shapely.get_coordinates(anchor_points(geoms))
    result = np.full(len(xy), None, dtype=object)
    free = np.ones(len(xy), dtype=bool)
    for shape, code in zip(grid_shapes, grid_codes):
        minx, miny, maxx, maxy = shape.bounds
        near = np.flatnonzero(free & (xy[:, 0] >= minx) & (xy[:, 0] <= maxx)
                              & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy))
        inside = near[shapely.intersects_xy(shape, xy[near, 0], xy[near, 1])]
        result[inside] = code
        free[inside] = False
    return result.tolist()
