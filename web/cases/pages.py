"""The case pages: the case list with its panel (paged, sorted, searched on the server, and
exported as filtered at ``/cases/export.csv`` / ``.xlsx``), the inspector's own reports at
``/cases/mine``, and the monthly ranking with its downloads.

The ranking page is printable as it stands (print CSS: A4 landscape, no controls), and
``/cases/ranking.csv`` / ``.xlsx`` download the same table.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd
from flask import Response, render_template, request

from registry.cases import Case, Cases
from registry.cases.bulletin import live_ranking, published, units_of
from registry.cases.evaluation import RATES, UNITS, latest_month
from registry.cases.workflow import STATES
from registry.change import utc_now
from registry.errors import InvalidInput, NotFound
from web.auth import scope
from web.auth.identity import who
from web.cases import listing
from web.cases.i18n import language, state_label, texts
from web.cases.listing import CaseQuery
from web.cases.service import asset_labels, case_json, rules, service
from web.cases.tables import MEDIA_TYPES, case_table, ranking_columns, ranking_table, to_bytes


def list_page() -> str:
    """``/cases``: one page of the cases, filtered, searched and sorted on the server
    (`web.cases.listing`); ``?case=<id>`` opens that case's panel."""
    return _list(CaseQuery.from_args(request.args), mine=False)


def my_reports() -> str:
    """``/cases/mine``: the cases the logged-in inspector reported, and where each stands."""
    return _list(CaseQuery.from_args(request.args), mine=True)


def _list(query: CaseQuery, mine: bool) -> str:
    lang, now, cases = language(request.args), utc_now(), service()
    found = listing.sort(_found(cases, query, now, mine), query)
    shown, pages = listing.page_of(found, query)
    assets = asset_labels(cases.reg, shown, lang)
    return render_template("cases/list.html", lang=lang, text=texts(lang), query=query,
                           rows=[case_json(c, now, lang, assets) for c in shown],
                           count=len(found), overdue=sum(c.overdue(now) for c in found),
                           pages=pages, mine=mine, opened=request.args.get("case", ""),
                           sorts=list(listing.SORTS), **_choices(cases, lang))


def _found(cases: Cases, query: CaseQuery, now: datetime, mine: bool) -> list[Case]:
    found = scope.visible_cases(listing.find(cases, query, now))
    return [c for c in found if c.reporter == who()] if mine else found


def _choices(cases: Cases, lang: str) -> dict[str, Any]:
    """The values the list's filters offer (from the cases the user may see)."""
    everything = scope.visible_cases(cases.all())
    return {"states": [(s, state_label(s, lang)) for s in STATES],
            "categories": [(c.code, c.title(lang)) for c in rules().categories.values()],
            "grids": sorted({(c.grid_code, c.grid_name) for c in everything if c.grid_code}),
            "departments": sorted({c.department for c in everything})}


def list_file(fmt: str) -> Response:
    """``/cases/export.csv`` or ``.xlsx``: every case of the filtered, sorted list."""
    if fmt not in MEDIA_TYPES:
        raise NotFound(f"the case list comes as .csv or .xlsx, not .{fmt}")
    lang, now, cases = language(request.args), utc_now(), service()
    query = CaseQuery.from_args(request.args)
    found = listing.sort(_found(cases, query, now, request.args.get("mine") == "1"), query)
    assets = asset_labels(cases.reg, found, lang)
    table = case_table([case_json(c, now, lang, assets) for c in found], lang)
    name = f"cases-{now.astimezone(rules().calendar.tz):%Y%m%d-%H%M}.{fmt}"
    return Response(to_bytes(table, fmt, texts(lang)["cases"]), mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def ranking_page() -> str:
    """``/cases/ranking?month=2026-10&by=grid``: the ranked monthly figures."""
    lang, month, by = _choice()
    table = _ranking(month, by)
    columns = ranking_columns(by, lang)
    rows = [{key: _cell(key, row.get(key)) for key in columns}
            for row in table.to_dict("records")]
    return render_template("cases/ranking.html", lang=lang, text=texts(lang), month=month,
                           by=by, units=list(UNITS), columns=columns, rows=rows,
                           rates=list(RATES), unranked=[r["rank"] == "—" for r in rows])


def ranking_file(fmt: str) -> Response:
    """``/cases/ranking.csv`` or ``.xlsx``: the same table as the page, as a file."""
    if fmt not in MEDIA_TYPES:
        raise NotFound(f"the ranking comes as .csv or .xlsx, not .{fmt}")
    lang, month, by = _choice()
    table = ranking_table(_ranking(month, by), by, lang)
    name = f"ranking-{month}-{by}.{fmt}"
    return Response(to_bytes(table, fmt, f"{month} {by}"), mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _choice() -> tuple[str, str, str]:
    """Language, month (default: the newest ended month with cases, local time) and unit of a
    ranking request."""
    lang = language(request.args)
    month = request.args.get("month") or latest_month(service().all(), utc_now(),
                                                      rules().calendar.tz)
    by = request.args.get("by", "grid")
    if by not in UNITS:
        raise InvalidInput(f"rank by one of {', '.join(UNITS)}, not {by!r}")
    return lang, month, by


def _ranking(month: str, by: str) -> pd.DataFrame:
    """The month's published 考评通报 if there is one (it never changes), else the live figures
    with every unit of the city listed."""
    cases = service()
    frozen = published(cases.reg, month, by)
    return frozen.table() if frozen else live_ranking(cases, month, by,
                                                      units_of(cases.reg, cases, by))


def _cell(key: str, value: Any) -> str:
    """How a figure reads: rates with one decimal and %, changes signed, gaps as —."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if key in RATES:
        return f"{value:.1f}%"
    if key.endswith("_change"):
        if value == 0:
            return "0"
        return f"{int(value):+d}" if key == "rank_change" else f"{value:+.1f}"
    return str(value)
