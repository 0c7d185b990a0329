"""Decide which column feeds which field: name matches weighed by how the values fit.

Every way a column's name could mean a field (`importers.column_names`) is a candidate;
the column's values then confirm or refute it (`importers.value_fit`). A candidate is
applied only when its confidence reaches `APPLY_FROM`; two fields the values fit equally
well leave the column for a person to decide. The mapping file's word is final.

>>> import pandas as pd
>>> from registry.layers import load_layers
>>> survey = pd.DataFrame({"材质": ["铸铁", "球墨铸铁"], "BZ": ["新建", "x"]})
>>> decisions = decide(load_layers()["drains"], survey.columns, survey)
>>> [(d.column, d.field, d.confidence) for d in decisions]
[('材质', 'grate_material', 1.0), ('BZ', None, 0.0)]
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

import pandas as pd

from importers.column_names import SOURCE_ID, NameMatch, name_matches, name_key
from importers.value_fit import Fit, unit_problem, value_fit
from registry.errors import InvalidInput
from registry.layers import Layer

#: The confidence a guess needs to be applied without a person confirming it.
APPLY_FROM = 0.75
#: Below this share of fitting values a guess is refuted, however good the name — unless the
#: header *is* the field (its name or its Chinese name): then the column is the field as the
#: contractor said, and each value that does not fit is flagged on import, not the column
#: dropped.
MIN_FIT = 0.5
EXACT_NAMES = ("field name", "Chinese name")
#: Two fields whose confidence differs by less than this are a tie for a person to break.
TIE_MARGIN = 0.05


@dataclass(frozen=True)
class Candidate:
    """One field a column could feed: the name match, the values' fit, a unit problem."""

    column: str
    match: NameMatch
    fit: Fit | None = None
    problem: str | None = None

    @property
    def field(self) -> str:
        return self.match.field

    @property
    def confidence(self) -> float:
        """The name's score, raised by values that fit and sunk by values that do not."""
        score = self.match.score
        if self.problem:
            return 0.0
        if self.match.how == "mapping file" or self.fit is None:
            return round(score, 2)
        share = self.fit.share
        if share < MIN_FIT:
            sunk = score * share
            named = self.match.how in EXACT_NAMES and not self.fit.other_kind
            return round(max(sunk, APPLY_FROM) if named else sunk, 2)
        return round(score + (1 - score) * (2 * share - 1), 2)

    def why(self) -> str:
        """``pinyin initials CZ = 材质; values fit 100% (5 of 5)``."""
        parts = [f"{self.match.how} {self.match.detail}".strip()]
        if self.match.unit:
            parts.append(f"unit {self.match.unit} from the header")
        if self.problem:
            parts.append(self.problem)
        if self.fit is not None:
            parts.append(self.fit.describe())
        return "; ".join(parts)


@dataclass(frozen=True)
class Decision:
    """What one survey column feeds (or why it feeds nothing), and what was considered."""

    column: str
    chosen: Candidate | None
    candidates: tuple[Candidate, ...] = ()
    note: str = ""

    @property
    def field(self) -> str | None:
        return self.chosen.field if self.chosen else None

    @property
    def confidence(self) -> float:
        return self.chosen.confidence if self.chosen else 0.0

    @property
    def unit(self) -> str | None:
        return self.chosen.match.unit if self.chosen else None

    def why(self) -> str:
        return self.chosen.why() if self.chosen else self.note


def decide(layer: Layer, columns: Iterable[str], frame: pd.DataFrame | None = None,
           fixed: Mapping[str, Candidate | None] | None = None,
           value_maps: Mapping[str, Mapping[str, str]] | None = None) -> list[Decision]:
    """A decision for each of `columns`, in order, their values read from `frame`.

    `fixed` holds the mapping file's decisions (column → candidate, None: leave unmapped);
    with no frame, nothing can confirm a guess by its values.
    """
    columns = list(columns)
    fixed = {col: _with_fit(layer, cand, frame, value_maps or {}) if cand else None
             for col, cand in (fixed or {}).items()}
    pool = {c: _candidates(layer, c, frame, value_maps or {}) for c in columns if c not in fixed}
    chosen = _choose(pool, {c.field: col for col, c in fixed.items() if c is not None})
    decisions = {col: Decision(col, cand, (cand,) if cand else (),
                               "" if cand else "left unmapped by the mapping file")
                 for col, cand in fixed.items()}
    for column, candidates in pool.items():
        pick = chosen.get(column)
        note = "" if isinstance(pick, Candidate) else (pick or _why_not(candidates, chosen))
        decisions[column] = Decision(column, pick if isinstance(pick, Candidate) else None,
                                     tuple(candidates), note)
    return [decisions[c] for c in columns]


def mapping_candidate(layer: Layer, column: str, field: str, unit: str | None,
                      where: str) -> Candidate:
    """The mapping file's word as a candidate; a unit that cannot apply is refused."""
    if unit is not None and field != SOURCE_ID:
        problem = unit_problem(unit, layer.field(field))
        if problem:
            raise InvalidInput(f"{where}: {problem}")
    return Candidate(column, NameMatch(field, "mapping file", "", 1.0, unit))


def _with_fit(layer: Layer, cand: Candidate, frame: pd.DataFrame | None,
              value_maps: Mapping[str, Mapping[str, str]]) -> Candidate:
    """The mapping file's word with how the values fit, to show (it is applied regardless)."""
    if frame is None or cand.field == SOURCE_ID:
        return cand
    fit = value_fit(frame[cand.column], layer.field(cand.field), cand.match.unit,
                    value_maps.get(cand.field))
    return replace(cand, fit=fit)


def _candidates(layer: Layer, column: str, frame: pd.DataFrame | None,
                value_maps: Mapping[str, Mapping[str, str]]) -> list[Candidate]:
    out = []
    for match in name_matches(layer, column):
        fld = None if match.field == SOURCE_ID else layer.field(match.field)
        problem = unit_problem(match.unit, fld) if match.unit and fld else None
        fit = None
        if frame is not None and fld is not None and not problem:
            fit = value_fit(frame[column], fld, match.unit, value_maps.get(fld.name))
        out.append(Candidate(column, match, fit, problem))
    return sorted(out, key=lambda c: (-c.confidence, -c.match.score, c.match.rank))


def _choose(pool: Mapping[str, list[Candidate]], taken: Mapping[str, str]
            ) -> dict[str, Candidate | str]:
    """Greedy, best candidate first: each column feeds one field, each field one column.

    A column whose best free fields tie gets a note instead of a field.
    """
    order = list(pool)
    ranked = sorted((c for cands in pool.values() for c in cands if c.confidence >= APPLY_FROM),
                    key=lambda c: (-c.confidence, -c.match.score, c.match.rank,
                                   order.index(c.column)))
    taken = dict(taken)
    chosen: dict[str, Candidate | str] = {}
    for cand in ranked:
        if cand.column in chosen or cand.field in taken:
            continue
        rivals = [c.field for c in ranked if c.column == cand.column and c.field != cand.field
                  and c.field not in taken and cand.confidence - c.confidence < TIE_MARGIN]
        if rivals:
            chosen[cand.column] = (f"ambiguous: {' or '.join([cand.field, *rivals])} fit "
                                   "equally well; say which in the mapping file")
            continue
        chosen[cand.column], taken[cand.field] = cand, cand.column
    return chosen


def _why_not(candidates: list[Candidate], chosen: Mapping[str, Candidate | str]) -> str:
    if not candidates:
        return "no field of the layer goes by this name"
    best = candidates[0]
    owner = next((col for col, c in chosen.items()
                  if isinstance(c, Candidate) and c.field == best.field), None)
    if owner is not None and best.confidence >= APPLY_FROM:
        return f"{best.field} is fed by column {owner} ({best.why()})"
    return (f"{best.field}? {best.why()}; confidence {best.confidence:.2f} "
            f"is below {APPLY_FROM}")


def find_column(name: str, columns: Iterable[str]) -> str | None:
    """The column called `name`, exactly or ignoring case, width and spaces."""
    columns = list(columns)
    if name in columns:
        return name
    return next((c for c in columns if name_key(c) == name_key(name)), None)
