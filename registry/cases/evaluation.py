"""The monthly evaluation (月度考评): figures per grid, street office or department, ranked.

For a unit and a calendar month M (local time, ``[first day 00:00, next month's first day)``),
evaluated as at the end of M (``as_of``, so last month's figures do not move later):

- 受理数 ``accepted``: reports received in M (``reported_at`` in M), whatever became of them;
- 立案数 ``registered``: cases registered (立案) in M;
- 应结案数 ``due``: registered cases whose deadline falls in M — the deadline on the
  category's clock (working or natural time, from 派遣) with its extensions and pauses —
  except those closed abnormally (非正常结案) before ``as_of`` *and* before their deadline (a
  case already late when it was closed abnormally stays due, and is not closed); a case
  suspended at the time has no deadline and is not due;
- 结案数 ``closed``: due cases closed (结案) before ``as_of``;
- 按期结案数 ``on_time``: closed cases handled (处置, the last time if reworked) at or
  before their deadline;
- 返工数 ``reworked`` / 延期数 ``extended``: due cases sent back (返工) / extended (延期) at
  least once before ``as_of`` (a rework in the next month does not change this month);
- 结案率, 按期结案率, 返工率, 延期率: each count above over 应结案数, in per cent (one
  decimal); none when nothing was due.

Streets (街道, by the grid a case lies in) and specialist departments (专业部门, by the
department a case is dispatched to, street offices left out: their cases are the streets')
are evaluated in separate tables. Every unit given in ``units`` is listed, zeros included.

Units are ranked by 按期结案率 (higher first), then 结案率 (higher), 返工率 (lower),
延期率 (lower); equal units share a rank (1, 1, 3); a unit with fewer than ``min_due`` cases
due (the city's ``rank_min_due``; at least 1) is listed but not ranked, so a unit with one
due case cannot rank first.
The month-over-month change (环比) compares each rate with the previous month in
percentage points, and the rank (positive: moved up).

>>> evaluate([], "2026-10").columns[:4].tolist()
['unit', 'name', 'accepted', 'registered']
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta, tzinfo
from typing import Sequence

import numpy as np
import pandas as pd

from registry.cases.deadlines import CST
from registry.cases.model import Case
from registry.change import parse_moment
from registry.errors import InvalidInput

#: Each figure with its label in the bureau's reports.
FIGURES = {
    "accepted": "受理数", "registered": "立案数", "due": "应结案数", "closed": "结案数",
    "on_time": "按期结案数", "reworked": "返工数", "extended": "延期数",
    "closed_rate": "结案率", "on_time_rate": "按期结案率", "rework_rate": "返工率",
    "extension_rate": "延期率",
}
RATES = {"closed_rate": "closed", "on_time_rate": "on_time", "rework_rate": "reworked",
         "extension_rate": "extended"}
#: The units a month is evaluated by: the case field keying them and the one naming them.
UNITS = {"grid": ("grid_code", "grid_name"), "street": ("street_office", "street_office"),
         "department": ("department", "department")}
_RANK_BY = [("on_time_rate", False), ("closed_rate", False), ("rework_rate", True),
            ("extension_rate", True)]
COUNTS = list(FIGURES)[:7]
_TIMES = ["reported_at", "registered_at", "deadline", "closed_at", "handled_at"]
#: Per-case lists of moments, and the counter that stands for them in cases stored before the
#: moments were kept.
_FIRSTS = {"rework_times": "reworks", "extension_times": "extensions"}


def month_bounds(month: str, tz: tzinfo = CST) -> tuple[datetime, datetime]:
    """First moment of `month` (YYYY-MM) and of the next one, in local time.

    >>> [m.isoformat() for m in month_bounds("2026-12")]
    ['2026-12-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00']
    """
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=tz)
    except ValueError:
        raise InvalidInput(f"month {month!r} is not YYYY-MM") from None
    return start, (start + timedelta(days=32)).replace(day=1)


def previous_month(month: str) -> str:
    """The month before `month` (YYYY-MM).

    >>> previous_month("2026-01")
    '2025-12'
    """
    start, _ = month_bounds(month)
    return (start - timedelta(days=1)).strftime("%Y-%m")


def latest_month(cases: Sequence[Case], now: datetime, tz: tzinfo = CST) -> str:
    """The month a ranking opens on: the newest month before `now`'s in which a case was
    reported (the last month when none was), so the page never opens on an empty month.

    >>> latest_month([], datetime(2026, 12, 8, tzinfo=CST))
    '2026-11'
    """
    current = now.astimezone(tz).strftime("%Y-%m")
    months = {parse_moment(c.reported_at).astimezone(tz).strftime("%Y-%m") for c in cases}
    earlier = sorted(m for m in months if m < current)
    return earlier[-1] if earlier else previous_month(current)


def evaluate(cases: Sequence[Case], month: str, by: str = "grid", *, tz: tzinfo = CST,
             as_of: datetime | None = None,
             units: Sequence[tuple[str, str]] = ()) -> pd.DataFrame:
    """The month's figures per unit (one row each: every unit any case names and every
    (unit, name) in `units`, with zeros), unranked."""
    if by not in UNITS:
        raise InvalidInput(f"evaluate by one of {', '.join(UNITS)}, not {by!r}")
    start, end = month_bounds(month, tz)
    frame = _frame(cases)
    if by == "department":
        frame = frame[frame["department"] != frame["street_office"]]
    flags = _flags(frame, pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(as_of or end))
    key, label = UNITS[by]
    flags["unit"], flags["name"] = frame[key].fillna("—"), frame[label].fillna("—")
    listed = pd.DataFrame(list(units), columns=["unit", "name"]).astype(object)
    table = pd.concat([flags, listed.assign(**dict.fromkeys(COUNTS, 0))], ignore_index=True)
    table = table.groupby("unit", as_index=False).agg(
        name=("name", "first"), **{count: (count, "sum") for count in COUNTS})
    for rate, count in RATES.items():
        table[rate] = _percent(table[count], table["due"])
    return table.sort_values("unit", ignore_index=True)


def _frame(cases: Sequence[Case]) -> pd.DataFrame:
    columns = list(Case.__dataclass_fields__)
    frame = pd.DataFrame([asdict(c) for c in cases], columns=columns)
    for column in _TIMES:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    for column, counter in _FIRSTS.items():
        first = frame[column].map(lambda times: min(times) if times else None)
        frame[column] = pd.to_datetime(first, utc=True, format="ISO8601")
        # Cases from before the moments were kept: dated by the case's last move.
        undated = frame[column].isna() & (frame[counter] > 0)
        frame.loc[undated, column] = pd.to_datetime(frame.loc[undated, "moved_at"], utc=True,
                                                     format="ISO8601")
    return frame


def _flags(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           as_of: pd.Timestamp) -> pd.DataFrame:
    def within(column: str) -> pd.Series:
        return (frame[column] >= start) & (frame[column] < end)

    ended_before = frame["closed_at"] < as_of
    abnormal_in_time = ((frame["state"] == "abnormal") & ended_before
                        & (frame["closed_at"] <= frame["deadline"]))
    due = within("deadline") & ~abnormal_in_time
    closed = due & (frame["state"] == "closed") & ended_before
    return pd.DataFrame({
        "accepted": within("reported_at"), "registered": within("registered_at"),
        "due": due, "closed": closed,
        "on_time": closed & (frame["handled_at"] <= frame["deadline"]),
        "reworked": due & (frame["rework_times"] < as_of),
        "extended": due & (frame["extension_times"] < as_of),
    }).astype(int)


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    rate = (100 * part / whole.where(whole > 0)).round(1)
    return rate.astype(float)


def ranking(cases: Sequence[Case], month: str, by: str = "grid", *, tz: tzinfo = CST,
            as_of: datetime | None = None, units: Sequence[tuple[str, str]] = (),
            min_due: int = 1) -> pd.DataFrame:
    """`evaluate` ranked, best first, with the change from the previous month (环比):
    ``<rate>_change`` in percentage points and ``rank_change`` in places."""
    table = rank(evaluate(cases, month, by, tz=tz, as_of=as_of, units=units), min_due)
    before = rank(evaluate(cases, previous_month(month), by, tz=tz, units=units), min_due)
    merged = table.merge(before[["unit", "rank", *RATES]], on="unit", how="left",
                         suffixes=("", "_before"))
    for rate in RATES:
        merged[f"{rate}_change"] = (merged[rate] - merged[f"{rate}_before"]).round(1)
    merged["rank_change"] = (merged["rank_before"] - merged["rank"]).astype("Int64")
    return merged.drop(columns=[c for c in merged if c.endswith("_before")])


def rank(table: pd.DataFrame, min_due: int = 1) -> pd.DataFrame:
    """Rows ordered best first with a ``rank`` (shared by equals; none for a unit with fewer
    than `min_due` cases due, listed after the ranked ones).

    >>> table = pd.DataFrame({"unit": ["a", "b", "c"], "due": [1, 4, 0],
    ...                       "on_time_rate": [100.0, 75.0, None], "closed_rate": [100.0, 75.0, None],
    ...                       "rework_rate": [0.0, 0.0, None], "extension_rate": [0.0, 0.0, None]})
    >>> rank(table, min_due=3)[["unit", "rank"]].astype(object).values.tolist()
    [['b', 1], ['a', <NA>], ['c', <NA>]]
    """
    keys, ascending = [k for k, _ in _RANK_BY], [a for _, a in _RANK_BY]
    ranked = table["due"] >= max(min_due, 1)
    ordered = table.assign(_ranked=ranked).sort_values(
        ["_ranked", *keys, "unit"], ascending=[False, *ascending, True], na_position="last",
        ignore_index=True)
    values = ordered[keys].fillna(-1.0)
    starts = values.ne(values.shift()).any(axis=1).to_numpy()
    position = np.arange(1, len(ordered) + 1)
    ranks = pd.Series(np.maximum.accumulate(np.where(starts, position, 0)), dtype="Int64")
    ordered["rank"] = ranks.where(ordered["_ranked"])
    return ordered.drop(columns="_ranked")
