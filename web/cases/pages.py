"""The case pages: the case list with its panel, and the monthly ranking with its downloads.

The ranking page is printable as it stands (print CSS: A4 landscape, no controls), and
``/cases/ranking.csv`` / ``.xlsx`` download the same table.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd
from flask import Response, render_template, request

from registry.cases.bulletin import live_ranking, published, units_of
from registry.cases.evaluation import RATES, UNITS, previous_month
from registry.cases.workflow import STATES
from registry.change import utc_now
from registry.errors import InvalidInput, NotFound
from web.auth import scope
from web.cases.i18n import language, state_label, texts
from web.cases.service import case_json, rules, service
from web.cases.tables import MEDIA_TYPES, ranking_columns, ranking_table, to_bytes

#: The most rows the list page shows (newest first); the API pages through more.
MAX_ROWS = 500


def list_page() -> str:
    """``/cases``: cases newest first, filtered by state, grid, department or overdue."""
    lang, args, now = language(request.args), request.args, utc_now()
    cases = service()
    everything = scope.visible_cases(cases.all())
    found = scope.visible_cases(cases.find(state=args.get("state"), grid_code=args.get("grid"),
                                           department=args.get("department"),
                                           overdue=True if args.get("overdue") else None,
                                           now=now))
    choices = {"states": [(s, state_label(s, lang)) for s in STATES],
               "grids": sorted({(c.grid_code, c.grid_name) for c in everything if c.grid_code}),
               "departments": sorted({c.department for c in everything})}
    return render_template("cases/list.html", lang=lang, text=texts(lang), args=args,
                           rows=[case_json(c, now, lang) for c in found[:MAX_ROWS]],
                           count=len(found), overdue=sum(c.overdue(now) for c in found),
                           **choices)


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
    """Language, month (default: last month, local time) and unit of a ranking request."""
    lang = language(request.args)
    this_month = utc_now().astimezone(rules().calendar.tz).strftime("%Y-%m")
    month = request.args.get("month") or previous_month(this_month)
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
