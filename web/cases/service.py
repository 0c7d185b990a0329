"""The case service of the registry a request works on, and a case as the web shows it.

>>> rules().category("street_vending").zh, rules().category("street_vending").limit_text
('占道经营', '2h')
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import url_for

from registry.cases import Case, CaseRules, Cases, load_rules
from registry.cases.workflow import next_moves
from web.app import current_registry
from web.cases.i18n import move_label, state_label


@lru_cache(maxsize=1)
def rules() -> CaseRules:
    """The city's case rules, read once per process (restart to pick up edited files)."""
    return load_rules()


def service() -> Cases:
    """The cases of this request's registry."""
    return Cases(current_registry(), rules())


def case_json(case: Case, now: datetime, lang: str) -> dict[str, Any]:
    """A case with its labels, overdue flag and photo links (never the photo bytes)."""
    category = rules().category(case.category)
    out = case.summary(now) | {
        "category_label": category.title(lang), "kind": category.kind,
        "limit": category.limit_text, "state_label": state_label(case.state, lang),
        "url": url_for("cases.case", case_id=case.id),
        "moves": [{"move": m, "label": move_label(m, lang)}
                  for m in next_moves(case.state, pending=case.request is not None)],
    }
    out["photos"] = [{"name": p["name"], "type": p["type"], "size": p["size"],
                      "url": url_for("cases.photo", case_id=case.id, number=i + 1)}
                     for i, p in enumerate(case.photos)]
    return out
