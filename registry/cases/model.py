"""A case (案件) as stored in the registry's documents, and what its clock says at a moment.

Times are ISO 8601 UTC text, as every registry row stores them; ``pauses`` are the
suspensions as ``[start, end]`` pairs (end None while suspended). The deadline is kept on
the document, recomputed by every move, so lists and maps read it without the calendar.

>>> case = Case(id="202611090001", category="street_vending", lon=114.5, lat=38.0,
...             description="", reporter="张三", reported_at="2026-11-09T01:00:00.000Z",
...             department="建北街道", limit_minutes=120, state="dispatched",
...             deadline="2026-11-09T03:00:00.000Z")
>>> case.overdue(parse_moment("2026-11-09T04:00:00Z")), case.overdue(parse_moment("2026-11-09T02:00:00Z"))
(True, False)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from registry.cases.workflow import FINAL, STATES
from registry.change import parse_moment

#: The documents-store kind under which cases are saved.
KIND = "case"


@dataclass
class Case:
    """One reported problem and where it stands in its life cycle."""

    id: str
    category: str
    lon: float
    lat: float
    description: str
    reporter: str
    reported_at: str
    department: str
    limit_minutes: int
    #: The category's clock when reported (``working`` or ``natural``) and the move that
    #: started it (``register``: cases filed before clocks started at 派遣 keep that rule).
    clock: str = "working"
    clock_from: str = "register"
    grid_code: str | None = None
    grid_name: str | None = None
    street_office: str | None = None
    district: str | None = None
    asset_uuid: str | None = None
    asset_layer: str | None = None
    asset_distance_m: float | None = None
    photos: list[dict[str, Any]] = field(default_factory=list)
    moved_at: str = ""
    state: str = "reported"
    resume_state: str | None = None
    registered_at: str | None = None
    dispatched_at: str | None = None
    extension_minutes: int = 0
    pauses: list[list[str | None]] = field(default_factory=list)
    deadline: str | None = None
    #: Years the deadline runs through whose holidays the calendar lacks (暂定 while any).
    provisional_years: list[int] = field(default_factory=list)
    handled_at: str | None = None
    closed_at: str | None = None
    reworks: int = 0
    extensions: int = 0
    #: When each 返工 and 延期 happened, so a month's figures count only what had happened by
    #: its end.
    rework_times: list[str] = field(default_factory=list)
    extension_times: list[str] = field(default_factory=list)
    #: A 延期, 挂起 or 非正常结案 waiting for a supervisor: {move, reason, extra_hours, by, at}.
    request: dict[str, Any] | None = None
    #: 案件来源 (a key of the categories file's [sources]) and, for a citizen's report, the
    #: 回访 after 结案: {satisfied, note, by, at}.
    source: str = "supervisor"
    follow_up: dict[str, Any] | None = None
    version: int = 0

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "Case":
        """The case in a stored document ({key, version, body, ...})."""
        body = {k: v for k, v in document["body"].items() if k in _FIELDS}
        return cls(**body | {"version": document["version"]})

    def body(self) -> dict[str, Any]:
        """What is saved: every field but the version, which the store keeps."""
        out = asdict(self)
        del out["version"]
        return out

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL

    @property
    def clock_started_at(self) -> str | None:
        """When the department's clock started: at 派遣, or at 立案 for cases filed under
        that rule; None before it."""
        return self.registered_at if self.clock_from == "register" else self.dispatched_at

    def overdue(self, now: datetime) -> bool:
        """Past its deadline and not yet handled (the department's work is what is late)."""
        if self.deadline is None or self.state not in ("registered", "dispatched"):
            return False
        return now > parse_moment(self.deadline)

    def on_time(self) -> bool | None:
        """Closed normally with its last handling at or before the deadline; None while not
        closed."""
        if self.state != "closed":
            return None
        if self.handled_at is None or self.deadline is None:
            return False
        return parse_moment(self.handled_at) <= parse_moment(self.deadline)

    def summary(self, now: datetime) -> dict[str, Any]:
        """The case's fields with its state label and overdue flag, for lists and the API."""
        return self.body() | {"version": self.version, "state_label": self.state_label,
                              "overdue": self.overdue(now), "on_time": self.on_time(),
                              "clock_started_at": self.clock_started_at}


#: The fields a stored body may set (read once: thousands of cases are read at a time).
_FIELDS = frozenset(f.name for f in fields(Case))
