"""Coordinate reference systems of OGC API – Features Part 2: names, axis order, reprojection.

The registry stores CGCS2000 (EPSG:4490) with longitude first, as GIS software does. The
API speaks each CRS in the axis order of its definition: CRS84 is lon, lat; EPSG:4490 is
lat, lon; the Gauss-Kruger grids (EPSG:4547) are northing, easting. Everything is done on
whole coordinate arrays.

>>> crs = OutputCrs.parse("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, [4490, 4547])
>>> crs.from_storage_coords([[114.51, 38.04]]).tolist()
[[38.04, 114.51]]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from registry.errors import InvalidInput

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"


def epsg_uri(srid: int) -> str:
    """The OGC URI of an EPSG code.

    >>> epsg_uri(4547)
    'http://www.opengis.net/def/crs/EPSG/0/4547'
    """
    return f"{EPSG_PREFIX}{srid}"


def supported_uris(srids: Iterable[int]) -> list[str]:
    """CRS84 first (the default), then each EPSG code offered."""
    return [CRS84] + [epsg_uri(srid) for srid in srids]


@lru_cache(maxsize=16)
def _transformers(storage_srid: int, srid: int) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    forward = pyproj.Transformer.from_crs(storage_srid, srid, always_xy=True)
    return forward, pyproj.Transformer.from_crs(srid, storage_srid, always_xy=True)


@lru_cache(maxsize=16)
def _northing_first(srid: int) -> bool:
    return pyproj.CRS.from_epsg(srid).axis_info[0].direction in ("north", "south")


@dataclass(frozen=True)
class OutputCrs:
    """One CRS the API offers, able to move coordinates to and from storage."""

    uri: str
    srid: int | None  # None for CRS84, whose coordinates equal storage's lon/lat
    storage_srid: int

    @classmethod
    def parse(cls, text: str | None, storage_srid: int, srids: Iterable[int]) -> "OutputCrs":
        """The CRS named by a ``crs``/``bbox-crs``/``filter-crs`` value (default CRS84).

        Accepts the OGC URI, ``[EPSG:4490]`` safe CURIEs and ``EPSG:4490``.
        """
        if not text or text.strip("[]") in (CRS84, "OGC:CRS84"):
            return cls(CRS84, None, storage_srid)
        srid = _srid_of(text)
        if srid not in set(srids):
            raise InvalidInput(f"CRS {text!r} is not offered; use one of: "
                               f"{', '.join(supported_uris(srids))}")
        return cls(epsg_uri(srid), srid, storage_srid)

    @property
    def reprojects(self) -> bool:
        return self.srid is not None and self.srid != self.storage_srid

    @property
    def swaps(self) -> bool:
        return self.srid is not None and _northing_first(self.srid)

    @property
    def moves(self) -> bool:
        """Whether coordinates differ from storage's lon/lat at all."""
        return self.reprojects or self.swaps

    def from_storage_coords(self, coords: np.ndarray | list) -> np.ndarray:
        """Storage lon/lat pairs (n × 2) → this CRS, in its axis order."""
        coords = np.asarray(coords, dtype=float)
        if self.reprojects:
            forward, _ = _transformers(self.storage_srid, self.srid)  # type: ignore[arg-type]
            coords = np.column_stack(forward.transform(coords[:, 0], coords[:, 1]))
        return coords[:, ::-1] if self.swaps else coords

    def to_storage_coords(self, coords: np.ndarray | list) -> np.ndarray:
        """Pairs in this CRS's axis order (n × 2) → storage lon/lat."""
        coords = np.asarray(coords, dtype=float)
        coords = coords[:, ::-1] if self.swaps else coords
        if self.reprojects:
            _, backward = _transformers(self.storage_srid, self.srid)  # type: ignore[arg-type]
            coords = np.column_stack(backward.transform(coords[:, 0], coords[:, 1]))
        return coords

    def from_storage(self, geometries: np.ndarray) -> np.ndarray:
        """Storage geometries → this CRS (a no-op for CRS84)."""
        if not self.moves:
            return geometries
        return shapely.transform(geometries, self.from_storage_coords)

    def to_storage(self, geometry: BaseGeometry) -> BaseGeometry:
        """A geometry given in this CRS → storage lon/lat."""
        if not self.moves:
            return geometry
        return shapely.transform(geometry, self.to_storage_coords)

    def bbox_to_storage(self, bbox: tuple[float, ...]) -> tuple[float, float, float, float]:
        """A bbox in this CRS's axis order → the storage lon/lat box that covers it."""
        if len(bbox) != 4 or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            raise InvalidInput(f"bbox must be four numbers, lower corner first, got {list(bbox)}")
        corners = np.array([[bbox[0], bbox[1]], [bbox[2], bbox[1]],
                            [bbox[2], bbox[3]], [bbox[0], bbox[3]]])
        lonlat = self.to_storage_coords(corners)
        return (*lonlat.min(axis=0).tolist(), *lonlat.max(axis=0).tolist())  # type: ignore[return-value]


def _srid_of(text: str) -> int:
    core = text.strip().strip("[]")
    for prefix in (EPSG_PREFIX, "EPSG:", "epsg:", "http://www.opengis.net/def/crs/EPSG/0.0/"):
        if core.startswith(prefix) and core[len(prefix):].isdigit():
            return int(core[len(prefix):])
    raise InvalidInput(f"cannot read the CRS {text!r}; give a URI such as {epsg_uri(4490)}")
