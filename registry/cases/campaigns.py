"""The seven campaigns (七大专项整治): each street's figures per campaign, scored and ranked.

A campaign owns the categories that name it in ``categories.toml``. Each month every street
office gets, per campaign, the monthly evaluation's figures over that campaign's cases and a
score: ``base`` points less each scoring item's deduction (``deduct`` per case of the item's
figure, at most ``cap``), never below zero. The composite score (综合得分) is the mean of the
campaign scores weighted by ``weight``; streets are ranked by it (equal scores share a rank)
and the lowest ``interview_lowest`` are listed for a talk (约谈). The rules are data:
``layers/cases/campaigns.toml``.

>>> scoring = load_scoring()
>>> scoring.campaigns["gas_safety"].items[0].deduct, scoring.base
(5.0, 100.0)
>>> scoring.campaigns["gas_safety"].score({"late": 3, "unclosed": 20})   # 100 − 15 − 40
45.0
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from registry.cases.deadlines import CST
from registry.cases.evaluation import evaluate
from registry.cases.model import Case
from registry.cases.rules import RULES_DIR, CaseRules, load_rules
from registry.errors import LayerDefinitionError
from registry.layers import read_toml

#: What an item may deduct on, from the monthly evaluation's counts (see campaigns.toml).
FIGURES = {
    "late": ("due", "on_time"), "unclosed": ("due", "closed"),
    "reworked": ("reworked", None), "extended": ("extended", None),
    "accepted": ("accepted", None),
}


@dataclass(frozen=True)
class Item:
    """One line of a campaign's 评分细则: so many points per case of `figure`, up to `cap`."""

    figure: str
    deduct: float
    cap: float
    zh: str


@dataclass(frozen=True)
class Campaign:
    """A campaign's name, weight in the composite score and scoring items."""

    code: str
    zh: str
    weight: float
    items: tuple[Item, ...]
    base: float = 100.0

    def score(self, figures: Mapping[str, float]) -> float:
        """`base` less each item's capped deduction, never below zero."""
        lost = sum(min(item.cap, item.deduct * figures.get(item.figure, 0))
                   for item in self.items)
        return round(max(self.base - lost, 0.0), 2)


@dataclass(frozen=True)
class Scoring:
    base: float
    interview_lowest: int
    campaigns: Mapping[str, Campaign]


def load_scoring(path: str | Path = RULES_DIR / "campaigns.toml",
                 rules: CaseRules | None = None) -> Scoring:
    """Read the scoring rules, refusing a file that misses a campaign or names a wrong one."""
    path, rules = Path(path), rules or load_rules()
    data = read_toml(path)
    base = float(data.get("base", 100.0))
    entries = data.get("campaigns", {})
    _check(set(entries) == set(rules.campaigns), path, "campaigns",
           f"must list exactly the campaigns of categories.toml: {', '.join(rules.campaigns)}")
    campaigns = {code: _campaign(path, code, entries[code], rules.campaigns[code], base)
                 for code in rules.campaigns}
    return Scoring(base, int(data.get("interview_lowest", 3)), campaigns)


def _campaign(path: Path, code: str, entry: dict[str, Any], zh: str, base: float) -> Campaign:
    where = f"campaigns.{code}"
    weight = entry.get("weight")
    _check(isinstance(weight, (int, float)) and weight > 0, path, f"{where}.weight",
           "must be a positive number")
    items = []
    for n, item in enumerate(entry.get("items", [])):
        _check(item.get("figure") in FIGURES, path, f"{where}.items[{n}].figure",
               f"must be one of {', '.join(FIGURES)}")
        _check(all(isinstance(item.get(k), (int, float)) and item[k] >= 0
                   for k in ("deduct", "cap")), path, f"{where}.items[{n}]",
               "needs deduct and cap, numbers of at least 0")
        items.append(Item(item["figure"], float(item["deduct"]), float(item["cap"]),
                          str(item.get("zh", ""))))
    return Campaign(code, zh, float(weight), tuple(items), base)


def campaign_figures(table: pd.DataFrame) -> pd.DataFrame:
    """The scoring figures from an evaluation table (one row per unit)."""
    out = pd.DataFrame({"unit": table["unit"], "name": table["name"]})
    for figure, (count, less) in FIGURES.items():
        out[figure] = table[count] - (table[less] if less else 0)
    return out


def campaign_scores(cases: Sequence[Case], rules: CaseRules, scoring: Scoring, month: str,
                    units: Sequence[tuple[str, str]] = (), *, tz: tzinfo = CST,
                    as_of: datetime | None = None) -> pd.DataFrame:
    """Per street office: each campaign's score, the composite, its rank and 约谈.

    Columns: ``unit``, ``name``, one column per campaign code, ``composite``, ``rank``,
    ``interview`` (True for the lowest `interview_lowest`, ties included).
    """
    by_campaign: dict[str, list[Case]] = {code: [] for code in scoring.campaigns}
    for case in cases:
        by_campaign[rules.category(case.category).campaign].append(case)
    scores: pd.DataFrame | None = None
    for code, campaign in scoring.campaigns.items():
        table = evaluate(by_campaign[code], month, "street", tz=tz, as_of=as_of, units=units)
        figures = campaign_figures(table)
        column = pd.DataFrame({"unit": figures["unit"], "name": figures["name"],
                               code: [campaign.score(row) for row in figures.to_dict("records")]})
        scores = column if scores is None else scores.merge(column, on=["unit", "name"],
                                                            how="outer")
    assert scores is not None
    scores = scores.fillna({code: scoring.base for code in scoring.campaigns})
    weights = pd.Series({code: c.weight for code, c in scoring.campaigns.items()})
    scores["composite"] = (scores[list(weights.index)] * weights).sum(axis=1).div(
        weights.sum()).round(2)
    return _ranked(scores, scoring.interview_lowest, scoring.base)


def _ranked(scores: pd.DataFrame, lowest: int, base: float) -> pd.DataFrame:
    ordered = scores.sort_values(["composite", "unit"], ascending=[False, True],
                                 ignore_index=True)
    ordered["rank"] = ordered["composite"].rank(method="min", ascending=False).astype("Int64")
    floor = ordered["composite"].nsmallest(lowest).max() if len(ordered) else base
    # A street with nothing to deduct is never called in, however few streets there are.
    ordered["interview"] = (ordered["composite"] <= floor) & (ordered["composite"] < base)
    return ordered


def _check(ok: bool, path: Path, key: str, problem: str) -> None:
    if not ok:
        raise LayerDefinitionError(f"{path}: key {key!r} {problem}")
