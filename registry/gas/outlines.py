"""Courtyard outlines for maps: the census has no courtyard polygons, so each courtyard is drawn
as the convex hull of its mains, widened by a margin (in metres, in the metric CRS).

>>> import tempfile, registry, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/o.gpkg", county="130102")
>>> mains = gpd.GeoDataFrame({"courtyard": ["和平小区", "和平小区"]},
...     geometry=[shapely.LineString([(114.5, 38.04), (114.501, 38.04)]),
...               shapely.LineString([(114.5, 38.04), (114.5, 38.041)])], crs=4490)
>>> _ = reg.add("gas_mains", mains, registry.Change(who="demo"))
>>> outlines(reg, reg.query(layer="gas_mains"))["courtyard"].tolist()
['和平小区']
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

if TYPE_CHECKING:
    from registry.api import Registry


def outlines(reg: Registry, mains: gpd.GeoDataFrame, margin_m: float = 8.0) -> gpd.GeoDataFrame:
    """One polygon per courtyard named on `mains` (EPSG:4490)."""
    named = mains[mains["courtyard"].notna()]
    if named.empty:
        return gpd.GeoDataFrame({"courtyard": []}, geometry=[], crs=4490)
    metric = reg.to_metric(named.geometry.to_numpy())
    names, group = np.unique(named["courtyard"].to_numpy(dtype=object), return_inverse=True)
    hulls = [shapely.convex_hull(shapely.union_all(metric[group == k])) for k in range(len(names))]
    shapes = reg.metric.from_metric(shapely.buffer(np.array(hulls, dtype=object), margin_m))
    return gpd.GeoDataFrame({"courtyard": names}, geometry=shapes, crs=4490)
