"""Per-registry settings: the city it covers and the coordinate systems it works in.

>>> s = Settings(county="130102")
>>> s.storage_srid, s.metric_srid
(4490, 4547)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from pyproj import CRS
from pyproj.exceptions import CRSError

from registry.errors import InvalidInput

#: Shijiazhuang's administrative extent (lon/lat, CGCS2000), with a margin.
SHIJIAZHUANG_EXTENT = (113.5, 37.4, 115.5, 38.8)
#: The registry schema this code writes; older registries are migrated on opening.
SCHEMA_VERSION = 2
#: The advice given with a refused metric CRS.
CHOOSE = "choose a projected CRS in metres, e.g. 4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E)"


@dataclass(frozen=True)
class Settings:
    """What a registry records about itself when it is created."""

    county: str
    name: str = "Infracensus registry"
    storage_srid: int = 4490
    metric_srid: int = 4547
    extent: tuple[float, float, float, float] = SHIJIAZHUANG_EXTENT
    snap_tolerance_m: float = 0.5
    duplicate_tolerance_m: float = 1.0

    def __post_init__(self) -> None:
        if len(self.county) != 6 or not self.county.isdigit():
            raise InvalidInput(f"county must be a 6-digit GB/T 2260 code, got {self.county!r}")
        minx, miny, maxx, maxy = self.extent
        if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
            raise InvalidInput(f"extent {self.extent!r} is not a lon/lat box")
        check_metric_srid(self.metric_srid)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Settings":
        """Settings as stored; a registry made before a rule was checked is named as such."""
        data = dict(data)
        data["extent"] = tuple(data["extent"])
        try:
            return cls(**data)
        except InvalidInput as exc:
            raise InvalidInput(f"this registry's stored settings are unusable: {exc}") from None


def check_metric_srid(srid: int) -> None:
    """InvalidInput unless EPSG:`srid` is a projected CRS whose axes are in metres.

    Lengths, areas and distances are computed in the metric CRS: a geographic one would
    measure them in degrees, and a tolerance of 1 m would become 1 degree (~100 km).

    >>> check_metric_srid(4547)
    >>> check_metric_srid(4326)
    Traceback (most recent call last):
    registry.errors.InvalidInput: metric_srid 4326 (WGS 84) is a geographic CRS: it measures degrees, not metres; choose a projected CRS in metres, e.g. 4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E)
    """
    try:
        crs = CRS.from_epsg(srid)
    except CRSError:
        raise InvalidInput(f"metric_srid {srid!r} is not a known EPSG code") from None
    if crs.is_geographic:
        raise InvalidInput(f"metric_srid {srid} ({crs.name}) is a geographic CRS: it measures "
                           f"degrees, not metres; {CHOOSE}")
    if not crs.is_projected:
        raise InvalidInput(f"metric_srid {srid} ({crs.name}) is not a projected CRS; {CHOOSE}")
    units = {axis.unit_name for axis in crs.axis_info}
    if units - {"metre"}:
        raise InvalidInput(f"metric_srid {srid} ({crs.name}) measures in {', '.join(sorted(units))}, "
                           f"not metres; {CHOOSE}")
