"""What a format reader hands back before coordinates are resolved: a `Reading`.

Readers (`importers.vectors`, `importers.tables`) only decode; `importers.sources` then
settles the coordinate system and builds the `RawSurvey`.

>>> import geopandas as gpd
>>> Reading(gpd.GeoDataFrame({"_row": [1]}, geometry=[None]), "CSV").declared_crs is None
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd


@dataclass
class Reading:
    """A decoded survey in its own coordinates.

    ``declared_crs`` is what the file says (code or WKT), None when it says nothing;
    ``spec_crs`` is what the format's specification implies when the file is silent
    (RFC 7946 GeoJSON: WGS84 lon/lat).
    """

    frame: gpd.GeoDataFrame
    format: str
    declared_crs: str | None = None
    spec_crs: str | None = None
    encoding: str | None = None
    encoding_note: str = ""
    layer_name: str | None = None
    warnings: list[str] = field(default_factory=list)
