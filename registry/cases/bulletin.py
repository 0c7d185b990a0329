"""The published monthly evaluation (考评通报): a month's ranking frozen when it is published.

Once the bureau publishes a month's figures they never change: the bulletin is a document
(kind ``evaluation_bulletin``, key ``2026-10:street``) holding the ranked table as it stood
when published, who published it and when. Publishing the same month twice is refused. A
case that moves later (a rework, a late close) changes the live figures, not the bulletin;
the next month's bulletin lists each such difference as a correction (更正).

Every unit of the city is listed, zeros included — each responsibility grid of the registry,
each street office, each specialist department of ``departments.toml`` — and a unit with
fewer than the city's ``rank_min_due`` due cases is listed but not ranked.

>>> bulletin_key("2026-10", "street")
'2026-10:street'
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from registry.api import Registry
from registry.cases.cases import Cases
from registry.cases.evaluation import COUNTS, month_bounds, previous_month, ranking
from registry.change import Change
from registry.errors import Conflict, NotFound
from registry.query import Query

KIND = "evaluation_bulletin"
_STREET_OFFICE = "{street_office}"


@dataclass
class Bulletin:
    """A month's published figures: the ranked rows and the corrections to the month before."""

    month: str
    by: str
    published_at: str
    published_by: str
    min_due: int
    rows: list[dict[str, Any]]
    corrections: list[dict[str, Any]] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """The published rows as the ranking's frame (ranks as nullable integers)."""
        table = pd.DataFrame(self.rows)
        if "rank" in table:
            table["rank"] = table["rank"].astype("Int64")
        if "rank_change" in table:
            table["rank_change"] = table["rank_change"].astype("Int64")
        return table


def bulletin_key(month: str, by: str) -> str:
    return f"{month}:{by}"


def units_of(reg: Registry, cases: Cases, by: str) -> list[tuple[str, str]]:
    """Every unit the city evaluates by `by`: grids and street offices from the registry's
    grid layer, specialist departments from the rules (street offices are not among them)."""
    if by == "department":
        roles = cases.rules.roles.values()
        named = [r["department"] for r in roles] + [o["department"] for o in cases.rules.overrides]
        return [(d, d) for d in dict.fromkeys(named) if d != _STREET_OFFICE]
    grids = reg.query(Query("grids", properties=["source_id", "name", "street_office"]))
    if by == "street":
        offices = grids["street_office"].dropna().unique().tolist()
        return [(str(o), str(o)) for o in offices]
    return [(str(code), str(name)) for code, name in zip(grids["source_id"], grids["name"])]


def live_ranking(cases: Cases, month: str, by: str, units: list[tuple[str, str]]) -> pd.DataFrame:
    """The month's ranking from the cases as they stand, as of the month's end."""
    return ranking(cases.all(), month, by, tz=cases.rules.calendar.tz, units=units,
                   min_due=cases.rules.rank_min_due)


def publish(cases: Cases, month: str, by: str, change: Change) -> Bulletin:
    """Freeze and store the month's figures; Conflict if this month was published already.

    A month is published only once it has ended (its figures are as of its last moment).
    """
    _, end = month_bounds(month, cases.rules.calendar.tz)
    if change.at < end:
        raise Conflict(f"{month} has not ended yet: its 考评通报 can be published from "
                       f"{end.date().isoformat()}")
    already = published(cases.reg, month, by)
    if already is not None:
        raise Conflict(f"the 考评通报 of {month} by {by} was published at {already.published_at} "
                       f"by {already.published_by}; a published bulletin never changes")
    units = units_of(cases.reg, cases, by)
    table = live_ranking(cases, month, by, units)
    bulletin = Bulletin(month, by, change.stamp, change.who, cases.rules.rank_min_due,
                        _records(table),
                        _corrections(cases, previous_month(month), by, units, change))
    cases.reg.save_document(KIND, bulletin_key(month, by), asdict(bulletin), change, 0)
    return bulletin


def published(reg: Registry, month: str, by: str) -> Bulletin | None:
    """The bulletin of `month` by `by`, or None while it is not published."""
    try:
        body = reg.document(KIND, bulletin_key(month, by))["body"]
    except NotFound:
        return None
    return Bulletin(**body)


def _corrections(cases: Cases, month: str, by: str, units: list[tuple[str, str]],
                 change: Change) -> list[dict[str, Any]]:
    """Each count of last month's bulletin that the cases, as they stand now, no longer
    bear out."""
    before = published(cases.reg, month, by)
    if before is None:
        return []
    now = ranking(cases.all(), month, by, tz=cases.rules.calendar.tz, units=units,
                  as_of=change.at, min_due=before.min_due).set_index("unit")
    out = []
    for row in before.rows:
        if row["unit"] not in now.index:
            continue
        for figure in COUNTS:
            value = int(now.at[row["unit"], figure])
            if value != row[figure]:
                out.append({"month": month, "unit": row["unit"], "name": row["name"],
                            "figure": figure, "published": row[figure], "now": value})
    return out


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON values: no NaN, no pandas NA, whole counts as int."""
    return [{key: _plain(value) for key, value in row.items()}
            for row in table.astype(object).to_dict("records")]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
