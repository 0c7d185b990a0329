"""Per-registry settings: the city it covers and the coordinate systems it works in.

>>> s = Settings(county="130102")
>>> s.storage_srid, s.metric_srid
(4490, 4547)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from registry.errors import InvalidInput

#: Shijiazhuang's administrative extent (lon/lat, CGCS2000), with a margin.
SHIJIAZHUANG_EXTENT = (113.5, 37.4, 115.5, 38.8)
#: The registry schema this code writes; older registries are migrated on opening.
SCHEMA_VERSION = 2


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

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Settings":
        data = dict(data)
        data["extent"] = tuple(data["extent"])
        return cls(**data)
