"""The case list at city scale: filters, search, sorting and paging, done on the server.

One `CaseQuery` is read from the request's arguments; `find` applies its filters and search,
`sort` orders, `page_of` cuts one page. The list page, its export and ``GET /api/cases`` all
go through these, so what is shown is what is counted and exported.

>>> query = CaseQuery.from_args({"q": "2026", "sort": "deadline", "page": "2"})
>>> query.q, query.sort, query.descending, query.page, query.per_page
('2026', 'deadline', False, 2, 50)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

import numpy as np
from pyproj import Geod

from registry import Query, Registry
from registry.cases import Case, Cases
from registry.errors import InvalidInput
from registry.filters import Like

PER_PAGE, MAX_PER_PAGE = 50, 1000
#: "Already reported?": open cases this close (metres) to a new report are shown before filing.
NEAR_M, MAX_NEAR_M = 100.0, 2000.0
_GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid
#: What the list sorts by, and each key's natural direction (newest, nearest deadline first).
SORTS: dict[str, tuple[str, bool]] = {
    "reported_at": ("reported_at", True), "deadline": ("deadline", False), "id": ("id", True),
    "state": ("state", False), "category": ("category", False), "grid": ("grid_name", False),
    "department": ("department", False),
}
#: Case fields a search looks in (the asset's GB/T code is looked up in the registry).
SEARCHED = ("id", "description", "grid_name", "street_office", "district", "department")


@dataclass(frozen=True)
class CaseQuery:
    """Which cases the user asked for, in which order, which page."""

    state: str | None = None
    category: str | None = None
    grid: str | None = None
    department: str | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "reported_at"
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "CaseQuery":
        """Read ``state category grid department overdue q sort order page per_page``."""
        sort = args.get("sort") or "reported_at"
        if sort not in SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
        order = args.get("order") or ("desc" if SORTS[sort][1] else "asc")
        if order not in ("asc", "desc"):
            raise InvalidInput(f"order must be asc or desc, got {order!r}")
        return cls(state=args.get("state") or None, category=args.get("category") or None,
                   grid=args.get("grid") or None, department=args.get("department") or None,
                   overdue=args.get("overdue") in ("1", "true", "on"),
                   q=(args.get("q") or "").strip(), sort=sort, descending=order == "desc",
                   page=_whole(args, "page", 1, 1, 10**6),
                   per_page=_whole(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE))

    def args(self, **changed: object) -> dict[str, str]:
        """This query as URL arguments (for links to other pages and sorts), with `changed`."""
        out = {"state": self.state, "category": self.category, "grid": self.grid,
               "department": self.department, "overdue": "1" if self.overdue else None,
               "q": self.q or None, "sort": self.sort,
               "order": "desc" if self.descending else "asc", "page": str(self.page)}
        out |= {k: None if v is None else str(v) for k, v in changed.items()}
        return {k: v for k, v in out.items() if v}


def _whole(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}, got {text!r}")
    return int(text)


def find(cases: Cases, query: CaseQuery, now: datetime) -> list[Case]:
    """The cases passing the query's filters and search, newest first."""
    found = cases.find(state=query.state, category=query.category, grid_code=query.grid,
                       department=query.department, overdue=True if query.overdue else None,
                       now=now)
    if not query.q:
        return found
    assets = assets_coded(cases.reg, query.q)
    needle = query.q.lower()
    return [c for c in found if c.asset_uuid in assets
            or any(needle in str(getattr(c, f) or "").lower() for f in SEARCHED)]


def assets_coded(reg: Registry, prefix: str) -> set[str]:
    """The uuids of assets whose GB/T code starts with `prefix` (digits only: a code)."""
    if not prefix.isdigit() or len(prefix) < 4:
        return set()
    found: set[str] = set()
    for layer in reg.layers.values():
        if not layer.is_grid:
            frame = reg.query(Query(layer.name, where=Like("gbt_code", f"{prefix}%"),
                                    properties=["uuid"], limit=MAX_PER_PAGE))
            found.update(frame["uuid"])
    return found


def sort(found: Sequence[Case], query: CaseQuery) -> list[Case]:
    """The cases in the query's order; cases lacking the key (no deadline) come last."""
    field = SORTS[query.sort][0]
    present = [c for c in found if getattr(c, field) not in (None, "")]
    missing = [c for c in found if getattr(c, field) in (None, "")]
    # Ties keep the newest first, as the store lists them.
    return sorted(present, key=lambda c: str(getattr(c, field)), reverse=query.descending) + missing


def page_of(found: Sequence[Case], query: CaseQuery) -> tuple[list[Case], int]:
    """One page of the sorted cases, and how many pages there are (at least 1)."""
    pages = max(1, math.ceil(len(found) / query.per_page))
    start = (query.page - 1) * query.per_page
    return list(found[start:start + query.per_page]), pages


def near(found: Sequence[Case], lon: float, lat: float, radius_m: float) -> list[Case]:
    """The open cases of `found` within `radius_m` metres (geodesic) of lon/lat."""
    open_cases = [c for c in found if c.is_open]
    if not open_cases:
        return []
    lons = np.array([c.lon for c in open_cases], dtype=float)
    lats = np.array([c.lat for c in open_cases], dtype=float)
    _, _, metres = _GEOD.inv(lons, lats, np.full_like(lons, lon), np.full_like(lats, lat))
    return [c for c, m in zip(open_cases, metres) if m <= radius_m]
