"""What a format reader hands back before coordinates are resolved: a `Reading`.

Readers (`importers.vectors`, `importers.tables`) only decode; `importers.sources` then
settles the coordinate system and builds the `RawSurvey`. A reading's geometry is either an
array of shapely geometries or, when every record is a 2-D point, a plain (n, 2) float array
of x/y (NaN where a record has none): a million points are then swapped, un-shifted and
reprojected as numbers, and become shapely objects once, at the end.

>>> import numpy as np, pandas as pd
>>> reading = Reading(pd.DataFrame({"_row": [1, 2]}), np.array([[114.5, 38.0], [np.nan, np.nan]]), "CSV")
>>> to_shapely(move(reading.geometry, lambda xy: xy[:, ::-1])).tolist()
[<POINT (38 114.5)>, None]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import shapely

#: Enough coordinates to recognise a coordinate system, drawn from across the file.
SAMPLE_SIZE = 2000
#: Beyond this many vertices in the sampled shapes, their bounds' corners stand in for them.
MAX_SAMPLED_VERTICES = 50 * SAMPLE_SIZE
CoordinateFunction = Callable[[np.ndarray], np.ndarray]


@dataclass
class Reading:
    """A decoded survey in its own coordinates.

    ``attributes`` holds the source columns and ``_row``; ``geometry`` is aligned with it.
    ``declared_crs`` is what the file says (code or WKT), None when it says nothing;
    ``spec_crs`` is what the format's specification implies when the file is silent
    (RFC 7946 GeoJSON: WGS84 lon/lat).
    """

    attributes: pd.DataFrame
    geometry: np.ndarray
    format: str
    declared_crs: str | None = None
    spec_crs: str | None = None
    encoding: str | None = None
    encoding_note: str = ""
    layer_name: str | None = None
    warnings: list[str] = field(default_factory=list)


def is_points(geometry: np.ndarray) -> bool:
    return geometry.dtype.kind == "f"


def coordinate_sample(geometry: np.ndarray) -> np.ndarray:
    """Up to ``SAMPLE_SIZE`` x/y pairs spread over the file, gathered without a Python loop."""
    step = max(1, len(geometry) // SAMPLE_SIZE)
    if is_points(geometry):
        coords = geometry[::step]
    else:
        shapes = geometry[::step]
        coords = shapely.get_coordinates(shapes) \
            if shapely.get_num_coordinates(shapes).sum() <= MAX_SAMPLED_VERTICES else corners(shapes)
    return coords[:: max(1, len(coords) // SAMPLE_SIZE)]


def corners(shapes: np.ndarray) -> np.ndarray:
    """The lower-left and upper-right corners of each shape's bounds, NaN rows dropped: as
    telling of the coordinate system as its vertices, without gathering millions of them."""
    box = shapely.bounds(shapes)
    xy = np.vstack([box[:, :2], box[:, 2:]])
    return xy[~np.isnan(xy).any(axis=1)]


def move(geometry: np.ndarray, function: CoordinateFunction) -> np.ndarray:
    """Apply a vectorised (n, 2) -> (n, 2) coordinate function to every vertex."""
    if is_points(geometry):
        return function(geometry)
    return shapely.transform(geometry, function)


def bounds(geometry: np.ndarray) -> np.ndarray:
    """(n, 4) minx, miny, maxx, maxy per record; NaN where there is no geometry."""
    if is_points(geometry):
        return np.column_stack([geometry, geometry])
    return shapely.bounds(geometry)


def to_shapely(geometry: np.ndarray) -> np.ndarray:
    """Shapely geometries (None where there is none), built once for point arrays."""
    if not is_points(geometry):
        return geometry
    shapes = np.full(len(geometry), None, dtype=object)
    present = ~np.isnan(geometry).any(axis=1)  # inf (a failed projection) stays visible
    shapes[present] = shapely.points(geometry[present])
    return shapes


def drop_z(geometry: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The geometry in 2-D and, when any record had heights, a note of how many and their range.

    The registry stores x/y only (its GeoPackage and PostGIS columns are declared 2-D), so a
    3-D survey's heights would vanish unsaid; the note says what was dropped.

    >>> flat, notes = drop_z(np.array([shapely.Point(114.5, 38.0, 75.2), shapely.Point(114.6, 38.1)]))
    >>> flat.tolist(), notes
    ([<POINT (114.5 38)>, <POINT (114.6 38.1)>], ['Z dropped (1 record, range 75.2–75.2 m): the registry stores x/y only'])
    """
    if is_points(geometry):
        return geometry, []
    has_z = shapely.has_z(geometry)
    if not has_z.any():
        return geometry, []
    z = shapely.get_coordinates(geometry[has_z], include_z=True)[:, 2]
    count = int(has_z.sum())
    heights = (f"range {np.nanmin(z):.6g}–{np.nanmax(z):.6g} m" if np.isfinite(z).any()
               else "no height given")
    return shapely.force_2d(geometry), [f"Z dropped ({count} record{'s' if count != 1 else ''}, "
                                        f"{heights}): the registry stores x/y only"]
