"""The case service of the registry a request works on, and a case as the web shows it.

>>> rules().category("street_vending").zh, rules().category("street_vending").limit_text
('占道经营', '2h')
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Mapping

from flask import url_for

from registry import Query, Registry
from registry.cases import Case, CaseRules, Cases, load_rules
from registry.cases.workflow import next_moves
from web.app import current_registry
from web.cases.i18n import clock_words, limit_words, move_label, state_label


@lru_cache(maxsize=1)
def rules() -> CaseRules:
    """The city's case rules, read once per process (restart to pick up edited files)."""
    return load_rules()


def service() -> Cases:
    """The cases of this request's registry."""
    return Cases(current_registry(), rules())


def case_json(case: Case, now: datetime, lang: str,
              assets: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A case with its labels, overdue flag and photo links (never the photo bytes);
    `assets` names the linked asset (收水井 1301020104000084) by its uuid."""
    category = rules().category(case.category)
    out = case.summary(now) | {
        "category_label": category.title(lang), "kind": category.kind,
        "limit": limit_words(category.limit_text, lang) + clock_words(case.clock, lang),
        "state_label": state_label(case.state, lang),
        "url": url_for("cases.case", case_id=case.id),
        "page": url_for("cases.list_page", case=case.id, lang=lang),
        "moves": [{"move": m, "label": move_label(m, lang)}
                  for m in next_moves(case.state, pending=case.request is not None)],
        "asset_label": (assets or {}).get(case.asset_uuid or ""),
    }
    out["photos"] = [{"name": p["name"], "type": p["type"], "size": p["size"],
                      "url": url_for("cases.photo", case_id=case.id, number=i + 1)}
                     for i, p in enumerate(case.photos)]
    return out


def asset_labels(reg: Registry, cases: Iterable[Case], lang: str) -> dict[str, str]:
    """How each linked asset is named to a reader: its layer and GB/T code (or survey id),
    one query per layer for a whole page of cases."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        if case.asset_uuid and case.asset_layer and case.asset_layer in reg.layers:
            wanted[case.asset_layer].append(case.asset_uuid)
    labels = {}
    for name, uuids in wanted.items():
        frame = reg.query(Query(name, ids=tuple(uuids), properties=["uuid", "gbt_code", "source_id"]))
        title = reg.layers[name].title(lang)
        for uuid, code, source in zip(frame["uuid"], frame["gbt_code"], frame["source_id"]):
            labels[uuid] = f"{title} {code or source or ''}".strip()
    return labels


def history_json(history: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """A case's moves with their words: 立案 → 派遣, never ``register → registered``."""
    return [entry | {"move_label": _move(entry.get("move"), lang),
                     "to_label": _state(entry.get("to"), lang)} for entry in history]


def _move(move: str | None, lang: str) -> str:
    if move == "report":  # the first entry: the inspector's report (信息收集)
        return "上报" if lang == "zh" else "Reported"
    try:
        return move_label(move or "", lang)
    except KeyError:  # a move this version does not know: shown as stored, not hidden
        return move or ""


def _state(state: str | None, lang: str) -> str:
    try:
        return state_label(state or "", lang)
    except KeyError:
        return state or ""
