"""Who changed the registry, when, why and from where: carried by every write.

>>> c = Change(who="王工", why="survey 2026-03", source="import", ref="batch-7")
>>> c.source
'import'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from registry.errors import InvalidInput

SOURCES = ("import", "work_package", "manual", "case", "grid_change", "migration",
           "review")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds, as GeoPackage stores DATETIME: sortable as text."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_moment(text: str) -> datetime:
    """A date or date-time as a user types it; naive means UTC.

    >>> parse_moment("2026-03-01").isoformat()
    '2026-03-01T00:00:00+00:00'
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date or date-time (YYYY-MM-DD[THH:MM:SS])") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Change:
    """Provenance of one write: recorded on every version row it creates."""

    who: str
    why: str = ""
    source: str = "manual"
    ref: str | None = None
    at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise InvalidInput(f"change source must be one of {SOURCES}, got {self.source!r}")
        if not self.who:
            raise InvalidInput("a change must say who made it")

    @property
    def stamp(self) -> str:
        return iso(self.at)
