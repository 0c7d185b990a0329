"""Case clocks: deadlines in working time across weekends and holidays, or in natural time.

A working-time limit (处置时限) runs only inside the calendar's working hours on working days;
it stops on weekends and public holidays and runs on make-up working days (调休). A
natural-time limit (自然时, for emergencies: a gas leak, a missing manhole cover) runs round
the clock, 24 × 7. While a case is suspended (挂起) either clock stops. The calendar is data:
``layers/cases/calendar.toml``; which clock a category uses is in ``categories.toml``.

>>> cal = WorkCalendar(periods=((510, 720), (870, 1080)), weekend=frozenset({5, 6}),
...                    holidays=frozenset(), workdays=frozenset(), tz=CST)
>>> friday_5pm = datetime(2026, 11, 6, 17, 0, tzinfo=CST)
>>> cal.add(friday_5pm, 120).isoformat()    # 1 h on Friday, 1 h on Monday morning
'2026-11-09T09:30:00+08:00'
>>> cal.minutes_between(friday_5pm, cal.add(friday_5pm, 120))
120.0
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Iterator, Sequence

from registry.errors import InvalidInput

#: China Standard Time, the default when the calendar file names no offset.
CST = timezone(timedelta(hours=8))
#: No time limit may reach further than this many calendar days: a guard against a calendar
#: with no working day at all.
_MAX_DAYS = 3660
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|h|d)\s*$")

#: A suspension: when it began and when it ended (None: still suspended).
Pause = tuple[datetime, "datetime | None"]


@dataclass(frozen=True)
class WorkCalendar:
    """Working hours (minutes after local midnight), weekend days (Monday 0), holidays
    and make-up working days, in one time zone."""

    periods: tuple[tuple[int, int], ...]
    weekend: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]
    tz: tzinfo = CST
    #: Years whose holiday arrangement the calendar holds.
    arranged: frozenset[int] = frozenset()

    def unarranged(self, start: datetime, end: datetime) -> list[int]:
        """Years from `start` to `end` whose holiday arrangement the calendar lacks: a deadline
        reaching into one counts that year's holidays as working days, so it is provisional.

        >>> cal = WorkCalendar(((510, 1080),), frozenset({5, 6}), frozenset(), frozenset(),
        ...                    arranged=frozenset({2026}))
        >>> cal.unarranged(datetime(2026, 12, 28, tzinfo=CST), datetime(2027, 1, 5, tzinfo=CST))
        [2027]
        """
        first, last = start.astimezone(self.tz).year, end.astimezone(self.tz).year
        return [year for year in range(first, last + 1) if year not in self.arranged]

    @property
    def day_minutes(self) -> int:
        """Working minutes in one working day (420 for 8:30–12:00 and 14:30–18:00)."""
        return sum(end - start for start, end in self.periods)

    def is_working_day(self, day: date) -> bool:
        """A make-up day always works; otherwise neither a holiday nor a weekend day."""
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() not in self.weekend

    def spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of one local day (none on a day off)."""
        if not self.is_working_day(day):
            return []
        midnight = datetime.combine(day, time(), self.tz)
        return [(midnight + timedelta(minutes=s), midnight + timedelta(minutes=e))
                for s, e in self.periods]

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from `start` to `end` (0 when `end` is not after `start`)."""
        total = 0.0
        for day in self._days(start, end):
            for lo, hi in self.spans(day):
                overlap = (min(hi, end) - max(lo, start)).total_seconds()
                total += max(overlap, 0.0) / 60
        return total

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment when `minutes` working minutes have passed since `start`."""
        left, day = minutes, start.astimezone(self.tz).date()
        for _ in range(_MAX_DAYS):
            for lo, hi in self.spans(day):
                lo = max(lo, start)
                if hi <= lo:
                    continue
                span = (hi - lo).total_seconds() / 60
                if left <= span:
                    return lo + timedelta(minutes=left)
                left -= span
            day += timedelta(days=1)
        raise InvalidInput(f"the calendar has no {minutes} working minutes after {start}")

    def _days(self, start: datetime, end: datetime) -> Iterator[date]:
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        while day <= last:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class NaturalClock:
    """Natural time (自然时): every minute counts, nights, weekends and holidays included.

    >>> friday_1835 = datetime(2026, 11, 6, 18, 35, tzinfo=CST)
    >>> NaturalClock().add(friday_1835, 60).isoformat()     # a gas leak: due within the hour
    '2026-11-06T19:35:00+08:00'
    """

    tz: tzinfo = CST

    @property
    def day_minutes(self) -> int:
        """A natural day is 24 hours."""
        return 24 * 60

    def unarranged(self, start: datetime, end: datetime) -> list[int]:
        """Holidays do not move a natural-time deadline: it is never provisional."""
        return []

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Minutes from `start` to `end` (0 when `end` is not after `start`)."""
        return max((end - start).total_seconds() / 60, 0.0)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` after `start`, in the clock's time zone."""
        return (start + timedelta(minutes=minutes)).astimezone(self.tz)


#: The clocks a category may name, by the word in ``categories.toml``.
CLOCKS = {"working": "工作时", "natural": "自然时"}
Clock = WorkCalendar | NaturalClock


def clock_for(kind: str, calendar: WorkCalendar) -> Clock:
    """The clock of a category: ``working`` (the calendar) or ``natural`` (24 × 7).

    >>> clock_for("natural", WorkCalendar(((510, 1080),), frozenset(), frozenset(),
    ...                                   frozenset())).day_minutes
    1440
    """
    if kind not in CLOCKS:
        raise InvalidInput(f"clock {kind!r} is not one of {', '.join(CLOCKS)}")
    return calendar if kind == "working" else NaturalClock(calendar.tz)


def deadline(calendar: Clock, start: datetime, minutes: float,
             pauses: Sequence[Pause] = ()) -> datetime | None:
    """When a limit of `minutes` clock minutes from `start` runs out, the clock stopped
    during each pause; None while a pause is still open (the clock is stopped).

    >>> cal = WorkCalendar(((510, 720), (870, 1080)), frozenset({5, 6}), frozenset(), frozenset())
    >>> monday_9 = datetime(2026, 11, 9, 9, 0, tzinfo=CST)
    >>> paused = [(monday_9 + timedelta(hours=1), datetime(2026, 11, 10, 9, 0, tzinfo=CST))]
    >>> deadline(cal, monday_9, 120, paused).isoformat()    # 1 h Monday, 1 h after the pause
    '2026-11-10T10:00:00+08:00'
    """
    used, clock = 0.0, start
    for begin, end in sorted(pauses, key=lambda pause: pause[0]):
        ran = calendar.minutes_between(clock, begin)
        if used + ran >= minutes:
            break
        used += ran
        if end is None:
            return None
        clock = max(clock, end)
    return calendar.add(clock, minutes - used)


def parse_limit(text: str, day_minutes: int) -> int:
    """A time limit as written in the categories file, in minutes of its clock (a day is the
    calendar's working day, or 1,440 minutes in natural time).

    >>> parse_limit("2h", 420), parse_limit("1d", 420), parse_limit("30min", 420)
    (120, 420, 30)
    """
    found = _LIMIT.match(str(text))
    if not found:
        raise InvalidInput(f"time limit {text!r} is not like 30min, 2h or 1d")
    amount, unit = float(found.group(1)), found.group(2)
    return round(amount * {"min": 1, "h": 60, "d": day_minutes}[unit])


def calendar_from(data: dict[str, Any]) -> WorkCalendar:
    """The calendar described by the parsed ``calendar.toml``."""
    sign, hours, minutes = re.match(r"([+-])(\d\d):(\d\d)", data.get("utc_offset", "+08:00")
                                    ).groups()  # type: ignore[union-attr]
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (1 if sign == "+" else -1)
    holidays, workdays = set(), set()
    for holiday in data.get("holidays", []):
        first, last = (date.fromisoformat(d) for d in holiday["off"])
        holidays |= {first + timedelta(days=i) for i in range((last - first).days + 1)}
        workdays |= {date.fromisoformat(d) for d in holiday.get("work", [])}
    arranged = data.get("arranged", sorted({day.year for day in holidays}))
    return WorkCalendar(tuple((_minutes(a), _minutes(b)) for a, b in data["working_hours"]),
                        frozenset(_WEEKDAYS.index(d.lower()) for d in data.get("weekend", [])),
                        frozenset(holidays), frozenset(workdays), timezone(offset),
                        frozenset(int(year) for year in arranged))


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
