"""The query object: one value describing what a planner asks of a layer.

Every front end (Python, CLI, HTTP) builds a `Query`; every storage backend answers one.

>>> q = Query("drains", bbox=(114.50, 38.03, 114.52, 38.05), where="condition >= 4", limit=100)
>>> q.filter
Compare(field='condition', op='>=', value=4)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Sequence

from shapely.geometry.base import BaseGeometry

from registry.errors import InvalidInput
from registry.filters import Filter, parse_where

SPATIAL_PREDICATES = ("intersects", "within")
#: Paging beyond this is nonsense for any registry, and would overflow SQL integers.
MAX_ROWS = 2**53


@dataclass(frozen=True)
class Query:
    """What to fetch from one layer. Coordinates are in the storage CRS (EPSG:4490 lon/lat).

    - `bbox`: (minx, miny, maxx, maxy);
    - `geometry` with `predicate` (intersects | within), or with `distance_m` for
      "within N metres of";
    - `nearest`: a point with `k` — the k nearest assets, nearest first, with ``distance_m``;
    - `grid`: only assets assigned to this responsibility grid;
    - `where`: a filter string or tree (see `registry.filters`);
    - `ids`: asset UUIDs; `as_of`: the layer as it stood at that moment;
    - `limit`, `offset`: paging, in a stable order (by internal id).
    """

    layer: str
    bbox: tuple[float, float, float, float] | None = None
    geometry: BaseGeometry | None = None
    predicate: str = "intersects"
    distance_m: float | None = None
    nearest: BaseGeometry | None = None
    k: int = 10
    grid: str | None = None
    where: str | Filter | None = None
    ids: Sequence[str] | None = None
    as_of: datetime | None = None
    include_retired: bool = False
    limit: int | None = None
    offset: int = 0
    properties: Sequence[str] | None = None
    filter: Filter | None = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.where, str):
            object.__setattr__(self, "filter", parse_where(self.where))
        else:
            object.__setattr__(self, "filter", self.where)
        self._check()

    def _check(self) -> None:
        if self.bbox is not None:
            if len(self.bbox) != 4 or not all(isinstance(v, (int, float)) for v in self.bbox):
                raise InvalidInput(f"bbox must be four numbers, got {self.bbox!r}")
            if self.bbox[0] > self.bbox[2] or self.bbox[1] > self.bbox[3]:
                raise InvalidInput(f"bbox {self.bbox!r} has min above max")
        if self.predicate not in SPATIAL_PREDICATES:
            raise InvalidInput(f"predicate must be one of {SPATIAL_PREDICATES}, got {self.predicate!r}")
        if self.distance_m is not None and (self.geometry is None or self.distance_m < 0):
            raise InvalidInput("distance_m needs a geometry and a distance of 0 or more")
        if self.nearest is not None and self.k < 1:
            raise InvalidInput(f"k must be at least 1, got {self.k}")
        if self.limit is not None and self.limit < 0 or self.offset < 0:
            raise InvalidInput("limit and offset must not be negative")
        if max(self.limit or 0, self.offset) > MAX_ROWS:
            raise InvalidInput(f"limit and offset must be at most {MAX_ROWS:,}")

    def page(self, limit: int | None, offset: int = 0) -> "Query":
        """The same query with other paging."""
        return replace(self, limit=limit, offset=offset)
