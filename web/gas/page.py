"""The ``/gas`` dashboard (Chinese by default, ``?lang=en``) and the gas blueprint factory.

Key figures and charts are drawn on the server (inline SVG, `web.gas.charts`); the map of
courtyards and the isolation trace run in the page with MapLibre GL JS, served from its
PyPI package like the map page's.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/gas")
('gas.dashboard', {})
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from flask import Blueprint, render_template, request, url_for

from registry.gas.programme import courtyard_progress, progress, valve_rollup
from registry.gas.risk import courtyard_candidates
from web.app import current_registry
from web.auth import scope as access
from web.gas.api import add_api_rules
from web.gas.charts import STATUS_COLOURS, bar_chart, progress_chart, stacked_chart
from web.gas.i18n import texts
from web.gas.state import network, scope
from web.map.i18n import language, value_label
from web.map.page import initial_bounds

TOP = 10


def create_blueprint() -> Blueprint:
    """The gas blueprint: the ``/gas`` dashboard and the ``/api/gas/...`` APIs."""
    blueprint = Blueprint("gas", __name__)
    blueprint.before_request(check_access)
    blueprint.add_url_rule("/gas", "dashboard", dashboard)
    add_api_rules(blueprint)
    return blueprint


#: Views that show nothing drawn from the household-level safety valves.
MAINS_ONLY = {"gas.topology", "gas.programme_list"}


def check_access() -> None:
    """Every gas view reads the mains; most also count households from the safety valves,
    which `LAYER_READ` may withhold. The programme is city-wide: a grid-scoped account is
    refused rather than shown figures of grids it does not hold."""
    access.check_layer("gas_mains")
    if request.endpoint not in MAINS_ONLY:
        access.check_layer("safety_valves")
    access.check_whole_city("the gas renovation programme")


def dashboard() -> str:
    lang = language(request.args)
    text = texts(lang)
    year = request.args.get("year", default=date.today().year, type=int)
    reg = current_registry()
    found = scope()
    candidates = courtyard_candidates(reg, found)
    states = courtyard_progress(reg, found)
    report = progress(reg, year, table=states)
    figures = key_figures(found.segments, candidates, report, len(network().faults),
                          len(found.problems))
    charts = {"progress": _progress_chart(report, text),
              "risk": bar_chart(_top(candidates), "#e6550d", title=text["risk"]),
              "materials": bar_chart(_materials(reg, candidates, lang), "#b10026",
                                     title=text["materials"], unit=" km"),
              "valves": _valve_chart(reg, text)}
    return render_template("gas/index.html", lang=lang, text=text, year=year, figures=figures,
                           charts=charts, config=_config(reg, states, lang, year, text))


def key_figures(segments: pd.DataFrame, candidates: pd.DataFrame, report: dict[str, Any],
                faults: int, problems: int) -> dict[str, Any]:
    """The numbers at the top of the dashboard, by the name of their label."""
    overall = report["overall"]
    return {"km_total": round(float(segments["length_m"].sum()) / 1000, 3),
            "km_in_scope": overall["km"], "km_done": overall["km_done"],
            "courtyards": int(len(candidates)), "valves_verified": overall["valves_verified"],
            "valves_installed": overall["valves_installed"],
            "valves_needed": overall["valves_needed"], "faults": faults, "problems": problems}


def _progress_chart(report: dict[str, Any], text: dict[str, str]) -> str:
    overall, targets = report["overall"], report["targets"] or {}
    title = f"{text['progress']} {report['year']}"
    if not targets:
        title += f" · {text['no_target']}"
    return progress_chart([(text["mains"], overall["mains_share"], targets.get("mains")),
                           (text["valves"], overall["valves_share"], targets.get("valves"))],
                          title=title, target_label=text["target"])


def _top(candidates: pd.DataFrame) -> list[tuple[str, float]]:
    head = candidates.head(TOP)
    return [(str(c), float(s)) for c, s in zip(head["courtyard"], head["score"])]


def _materials(reg: Any, candidates: pd.DataFrame, lang: str) -> list[tuple[str, float]]:
    field = reg.layers["gas_mains"].field("material")
    totals: dict[str, float] = {}
    for mix in candidates["materials"]:
        for material, km in mix.items():
            totals[material] = totals.get(material, 0.0) + km
    return [(value_label(field, m, lang) if m in (field.values or ()) else m, round(km, 3))
            for m, km in sorted(totals.items(), key=lambda kv: -kv[1])]


def _valve_chart(reg: Any, text: dict[str, str]) -> str:
    table = valve_rollup(reg, "district")
    rows = [(str(r["district"]), {s: int(r[s]) for s in STATUS_COLOURS})
            for r in table.to_dict("records")]
    return stacked_chart(rows, STATUS_COLOURS, {s: text[s] for s in STATUS_COLOURS},
                         title=text["valves_by_district"])


def _config(reg: Any, table: pd.DataFrame, lang: str, year: int,
            text: dict[str, str]) -> dict[str, Any]:
    """What the page's script needs: where to fetch, the colours of states, the strings."""
    states = table["state"].value_counts().to_dict()
    bounds = reg.extent("gas_mains")
    return {"lang": lang, "year": year, "bounds": list(bounds) if bounds else initial_bounds(reg),
            "text": text,
            "courtyards": url_for("gas.courtyards"), "isolate": url_for("gas.isolate"),
            "mains_tiles": url_for("tiles.tile", layer="gas_mains", z=0, x=0, y=0)
            .replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt"),
            "colours": {"done": "#1a9850", "in_progress": "#fee08b", "pending": "#d73027"},
            "states": {k: int(v) for k, v in states.items()}}
