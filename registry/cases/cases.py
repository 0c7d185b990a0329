"""Cases over the registry: a report becomes a case; moves carry it through its life cycle.

Each case is a document (kind ``case``) whose version guards concurrent edits; every move is
also appended to the journal with who, when and any note, in the same transaction. Closing a
case about an asset writes the category's maintenance event on the asset (and, when its
condition changes, a new asset version) in that transaction too.

>>> import tempfile, geopandas as gpd
>>> from registry import Change, create
>>> reg = create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> _ = reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"],
...     "street_office": ["建北街道"]}, geometry=[shapely.box(114.4, 38.0, 114.6, 38.1)],
...     crs=4490), Change(who="demo"))
>>> cases = Cases(reg)
>>> from datetime import timezone
>>> monday_9 = datetime(2026, 11, 9, 1, 0, tzinfo=timezone.utc)
>>> case = cases.report(Report("street_vending", 114.5, 38.05, "西瓜摊"), Change(who="巡查员", at=monday_9))
>>> case = cases.move(case.id, "register", Change(who="受理员", at=monday_9))
>>> case = cases.move(case.id, "dispatch", Change(who="派遣员", at=monday_9))
>>> case.id, case.department, case.deadline   # 2 working hours from Monday 9:00 local
('202611090001', '建北街道', '2026-11-09T03:00:00.000Z')
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Sequence

import pandas as pd
import shapely

from registry.api import Registry
from registry.cases.deadlines import deadline
from registry.cases.linking import check_location, grid_at, nearest_asset
from registry.cases.model import KIND, Case
from registry.cases.photos import Photo, PhotoStore
from registry.cases.rules import Category, CaseRules, load_rules
from registry.cases.workflow import APPROVABLE, DECISIONS, MOVES, next_state
from registry.change import Change, iso, parse_moment, utc_now
from registry.errors import Conflict, InvalidInput, NotFound
from registry.events import MaintenanceEvent

_SERIAL_KIND = "case_serial"


@dataclass(frozen=True)
class Report:
    """What an inspector sends from the street (信息收集)."""

    category: str
    lon: float
    lat: float
    description: str = ""
    photos: Sequence[Photo] = ()
    #: 案件来源: who brought the problem (``supervisor``, ``hotline_12345`` …).
    source: str = "supervisor"


class Cases:
    """The cases of one registry, under the city's rules (`load_rules()` by default)."""

    def __init__(self, reg: Registry, rules: CaseRules | None = None) -> None:
        self.reg = reg
        self.rules = rules or load_rules()
        self.photos = PhotoStore(reg.url)

    # -- reporting --------------------------------------------------------------------------
    def report(self, report: Report, change: Change) -> Case:
        """File a report: grid, department and nearest asset found; InvalidInput outside
        every grid or for an unknown category."""
        category = self.rules.category(report.category)
        self.rules.source(report.source)
        point = check_location(report.lon, report.lat)
        grid = grid_at(self.reg, point)
        case = Case(id="", category=category.code, lon=point.x, lat=point.y,
                    description=report.description.strip(), reporter=change.who,
                    reported_at=change.stamp, moved_at=change.stamp,
                    department=self.rules.department(category.role, grid),
                    limit_minutes=category.limit_minutes, clock=category.clock,
                    clock_from=self.rules.clock_starts, grid_code=grid["grid_code"],
                    grid_name=grid["name"], street_office=grid["street_office"],
                    district=grid["district"], source=report.source)
        self._link(case, category, point)
        with self.reg.transaction():
            case.id = self._next_id(change)
            self._save_new(case, report.photos, change)
        return case

    def _link(self, case: Case, category: Category, point: shapely.Point) -> None:
        if category.layer is None:
            return
        found = nearest_asset(self.reg, category.layer, point, self.rules.link_tolerance_m)
        if found:
            case.asset_uuid, case.asset_distance_m = found
            case.asset_layer = category.layer

    def _next_id(self, change: Change) -> str:
        """Date of the report (local) and a serial of that day: 202610090001."""
        day = change.at.astimezone(self.rules.calendar.tz).strftime("%Y%m%d")
        try:
            counter = self.reg.document(_SERIAL_KIND, day)
        except NotFound:
            counter = {"version": 0, "body": {"last": 0}}
        serial = counter["body"]["last"] + 1
        self.reg.save_document(_SERIAL_KIND, day, {"last": serial}, change, counter["version"])
        return f"{day}{serial:04d}"

    def _save_new(self, case: Case, photos: Sequence[Photo], change: Change) -> None:
        try:
            case.photos = self.photos.save(case.id, photos)
            case.version = self.reg.save_document(KIND, case.id, case.body(), change, 0)
            self.reg.append_journal(KIND, case.id, {"move": "report", "from": None,
                                                    "to": "reported",
                                                    "note": case.description}, change)
        except BaseException:
            self.photos.discard(case.id)
            raise

    # -- moving -----------------------------------------------------------------------------
    def move(self, case_id: str, move: str, change: Change, *, expected_version: int | None = None,
             note: str = "", extra_hours: float = 0.0) -> Case:
        """Apply a move of the life cycle (see `registry.cases.workflow.MOVES`).

        Conflict if the case moved on from `expected_version` or the move is not allowed
        from its state; `extra_hours` are the hours a 延期 (extend) adds. A 延期, 挂起 or
        非正常结案 is only requested here (it takes effect when a supervisor approves it with
        the move ``approve``; ``refuse`` drops it).
        """
        case = self.get(case_id)
        if expected_version is not None and expected_version != case.version:
            raise Conflict(f"case {case_id} is at version {case.version}, not "
                           f"{expected_version}: someone moved it meanwhile; reload and try again")
        if change.stamp < case.moved_at:
            raise InvalidInput(f"a move of case {case_id} cannot be dated {change.stamp}, "
                               f"before its last move at {case.moved_at}")
        if move in DECISIONS:
            return self._decide(case, move, change, note)
        next_state(case.state, move, case.resume_state, name=f"case {case_id}")
        if move in APPROVABLE:
            return self._request(case, move, change, note, extra_hours)
        return self._apply_move(case, move, change, {"note": note.strip()}, extra_hours)

    def _apply_move(self, case: Case, move: str, change: Change, entry: dict[str, Any],
                    extra_hours: float) -> Case:
        before = case.state
        target = next_state(case.state, move, case.resume_state, name=f"case {case.id}")
        _apply(case, move, change.stamp, extra_hours)
        case.state, case.moved_at = target, change.stamp
        case.deadline = self._deadline(case)
        entry = {"move": move, "from": before, "to": target} | entry
        return self._save_move(case, entry | _extra(move, extra_hours), change,
                               close=move == "close")

    def _save_move(self, case: Case, entry: dict[str, Any], change: Change,
                   close: bool = False) -> Case:
        with self.reg.transaction():
            case.version = self.reg.save_document(KIND, case.id, case.body(), change, case.version)
            self.reg.append_journal(KIND, case.id, entry, change)
            if close:
                self._close_on_asset(case, change)
        return case

    def _request(self, case: Case, move: str, change: Change, reason: str,
                 extra_hours: float) -> Case:
        """File a 延期 / 挂起 / 非正常结案 request for a supervisor, checked as the move is."""
        if case.request:
            waiting = case.request["move"]
            raise Conflict(f"case {case.id} already has a request waiting for approval "
                           f"({MOVES[waiting].zh} {waiting})")
        _check_exception(case, move, change, reason)
        if move == "extend" and (not extra_hours or extra_hours <= 0):
            raise InvalidInput("an extension (延期) needs a positive number of hours")
        case.request = {"move": move, "reason": reason.strip(), "extra_hours": extra_hours,
                        "by": change.who, "at": change.stamp}
        case.moved_at = change.stamp
        entry = {"move": "request", "from": case.state, "to": case.state, "request": move,
                 "note": reason.strip()} | _extra(move, extra_hours)
        return self._save_move(case, entry, change)

    def _decide(self, case: Case, decision: str, change: Change, note: str) -> Case:
        """A supervisor's answer to the pending request: approve applies it, refuse drops it.

        Whoever asked cannot approve (监管分离: the one who asks is not the one who decides).
        """
        request = case.request
        if request is None:
            raise Conflict(f"case {case.id} has no request waiting for approval")
        if change.who == request["by"]:
            raise Conflict(f"case {case.id}: {request['by']} asked for this "
                           f"{MOVES[request['move']].zh}, so someone else must decide it")
        case.request = None
        entry = {"requested_by": request["by"], "requested_at": request["at"],
                 "decided_by": change.who, "decision": decision, "note": note.strip(),
                 "reason": request["reason"]}
        if decision == "refuse":
            case.moved_at = change.stamp
            return self._save_move(case, {"move": "refuse", "from": case.state,
                                          "to": case.state, "request": request["move"]}
                                   | entry, change)
        return self._apply_move(case, request["move"], change, entry, request["extra_hours"])

    def follow_up(self, case_id: str, satisfied: bool, change: Change, note: str = "") -> Case:
        """Record the 回访 of a citizen's closed case: was the citizen satisfied?

        Only a closed case from a citizen source is followed up, once.
        """
        case = self.get(case_id)
        if not self.rules.source(case.source).get("citizen"):
            raise Conflict(f"case {case_id} came from {self.rules.source(case.source)['zh']}: "
                           "only citizens' reports are followed up (回访)")
        if case.state != "closed" or case.follow_up:
            raise Conflict(f"case {case_id} is {case.state_label}"
                           + (", already followed up" if case.follow_up else "")
                           + ": a 回访 follows 结案, once")
        case.follow_up = {"satisfied": satisfied, "note": note.strip(), "by": change.who,
                          "at": change.stamp}
        entry = {"move": "follow_up", "from": case.state, "to": case.state,
                 "satisfied": satisfied, "note": note.strip()}
        return self._save_move(case, entry, change)

    def _deadline(self, case: Case) -> str | None:
        started = case.registered_at if case.clock_from == "register" else case.dispatched_at
        if started is None:
            return None
        pauses = [(parse_moment(str(a)), parse_moment(b) if b else None) for a, b in case.pauses]
        start, clock = parse_moment(started), self.rules.clock(case.clock)
        moment = deadline(clock, start, case.limit_minutes + case.extension_minutes, pauses)
        case.provisional_years = clock.unarranged(start, moment) if moment else []
        return iso(moment) if moment else None

    def _close_on_asset(self, case: Case, change: Change) -> None:
        """The category's maintenance event on the case's asset, dated when it was handled."""
        category = self.rules.category(case.category)
        if case.asset_uuid is None or category.close_event is None:
            return
        done = parse_moment(case.handled_at or change.stamp).astimezone(self.rules.calendar.tz)
        event = MaintenanceEvent(kind=category.close_event, date=done.date().isoformat(),
                                 crew=case.department, condition_after=category.close_condition,
                                 notes=f"案件 {case.id} {category.zh}: {case.description}".strip())
        self.reg.record_event(case.asset_uuid, event,
                              replace(change, source="case", ref=case.id,
                                      why=f"案件 {case.id} 结案 ({category.zh})"))

    # -- reading ----------------------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        """One case; NotFound if there is none with this id."""
        try:
            return Case.from_document(self.reg.document(KIND, case_id))
        except NotFound:
            raise NotFound(f"no case {case_id}") from None

    def all(self) -> list[Case]:
        """Every case, oldest id first."""
        return [Case.from_document(d) for d in self.reg.documents(KIND)]

    def find(self, *, overdue: bool | None = None, now: datetime | None = None,
             **equal: str | None) -> list[Case]:
        """Cases, newest first, whose fields equal `equal` (state=, grid_code=,
        department=, category=, ...; None matches anything) and, if asked, overdue at `now`."""
        unknown = set(equal) - set(Case.__dataclass_fields__)
        if unknown:
            raise InvalidInput(f"cases cannot be filtered by {', '.join(sorted(unknown))}")
        wanted = {k: v for k, v in equal.items() if v not in (None, "")}
        now = now or utc_now()
        return [case for case in reversed(self.all())
                if all(str(getattr(case, k)) == str(v) for k, v in wanted.items())
                and (overdue is None or case.overdue(now) == overdue)]

    def history(self, case_id: str) -> list[dict[str, Any]]:
        """Every move of a case, oldest first: {at, who, move, from, to, note, ...}."""
        self.get(case_id)
        return [{"at": e["at"], "who": e["who"]} | e["entry"]
                for e in self.reg.journal(KIND, case_id)]

    def per_asset(self, since: datetime | None = None,
                  among: Sequence[Case] | None = None) -> pd.DataFrame:
        """Cases about each asset reported since `since` (all when None), for repair plans:
        ``asset_uuid``, ``layer``, ``cases`` (repeats included) and ``open``. Counts `among`
        when given (cases already read, to count them over several windows) else every case."""
        rows = [(c.asset_uuid, c.asset_layer, c.is_open) for c in (self.all() if among is None
                                                                  else among)
                if c.asset_uuid and (since is None or parse_moment(c.reported_at) >= since)]
        frame = pd.DataFrame(rows, columns=["asset_uuid", "layer", "open"])
        return frame.groupby(["asset_uuid", "layer"], as_index=False).agg(
            cases=("open", "size"), open=("open", "sum"))

    def photo(self, case_id: str, index: int) -> tuple[bytes, str]:
        """The bytes and type of photo `index` (0-based) of a case."""
        photos = self.get(case_id).photos
        if not 0 <= index < len(photos):
            raise NotFound(f"case {case_id} has no photo {index + 1}")
        return self.photos.read(case_id, photos[index]), photos[index]["type"]


#: Requests that move or stop the clock: accepted only while the case is not yet overdue.
_BEFORE_DEADLINE = ("extend", "suspend")


def _check_exception(case: Case, move: str, change: Change, note: str) -> None:
    """Refuse a 延期, 挂起 or 非正常结案 request without a reason, and a 延期 or 挂起 of an
    overdue case.

    A case that is late stays late: extending or suspending it afterwards would turn an
    overdue case into one closed on time (GB/T 30428 treats both as requests made before the
    deadline). Closing an overdue case abnormally is allowed but it still counts as due.
    """
    label = MOVES[move].zh
    if not note.strip():
        raise InvalidInput(f"case {case.id}: a {label} ({move}) needs a reason")
    if move in _BEFORE_DEADLINE and case.deadline and change.at > parse_moment(case.deadline):
        raise Conflict(f"case {case.id} has been overdue since {case.deadline}: "
                       f"a {label} ({move}) must be asked before the deadline")


def _apply(case: Case, move: str, stamp: str, extra_hours: float) -> None:
    """What a move changes besides the state: its moments, counters and pauses."""
    if move == "register":
        case.registered_at = stamp
    elif move == "dispatch":
        case.dispatched_at = case.dispatched_at or stamp
    elif move == "handle":
        case.handled_at = stamp
    elif move == "rework":
        case.reworks += 1
        case.rework_times.append(stamp)
    elif move == "extend":
        case.extension_minutes += round(extra_hours * 60)
        case.extensions += 1
        case.extension_times.append(stamp)
    elif move == "suspend":
        case.resume_state = case.state
        case.pauses.append([stamp, None])
    elif move == "resume":
        case.resume_state = None
    if case.pauses and case.pauses[-1][1] is None and move != "suspend":
        case.pauses[-1][1] = stamp  # resuming, or closing a suspended case abnormally
    if move in ("close", "close_abnormal", "discard"):
        case.closed_at = stamp


def _extra(move: str, extra_hours: float) -> dict[str, Any]:
    return {"extra_hours": extra_hours} if move == "extend" else {}
