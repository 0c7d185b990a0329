"""Read any survey file into a `RawSurvey`: one frame in the registry CRS and honest notes.

>>> raw = read_survey("lamps.gpkg")                      # doctest: +SKIP
>>> raw.source_crs, raw.crs_note                          # doctest: +SKIP
('EPSG:4547', 'declared by the file')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

#: Shijiazhuang's lon/lat extent (CGCS2000), the default box surveys must fall in.
DEFAULT_EXTENT = (113.5, 37.4, 115.5, 38.8)


@dataclass
class RawSurvey:
    """A survey file as read: attributes untouched, text decoded, geometry in the target CRS.

    ``frame`` holds the source's attribute columns, ``_row`` (1-based source row or feature
    number), ``_outside_extent`` (True where the geometry falls outside the expected extent)
    and ``geometry`` (may be None or invalid: reading never repairs).
    """

    frame: gpd.GeoDataFrame
    path: Path
    format: str
    checksum: str
    encoding: str | None = None
    encoding_note: str = ""
    source_crs: str = ""
    crs_note: str = ""
    layer_name: str | None = None
    warnings: list[str] = field(default_factory=list)
