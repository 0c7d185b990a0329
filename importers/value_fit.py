"""How well a column's values fit a field: the check every guessed column mapping must pass.

The values are parsed with the importers' own parsers (`importers.values.parse_column`),
so "fits" means exactly "would import": a material column holds materials, a year column
holds plausible years — and not edit timestamps, which parse as years but are not one.

>>> import pandas as pd
>>> from registry.layers import load_layers
>>> drains = load_layers()["drains"]
>>> grates = pd.Series(["铸铁", "球墨铸铁", "铸铁", None])
>>> [value_fit(grates, drains.field(name)).share for name in ("material", "grate_material")]
[0.0, 1.0]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from importers.values import UNITS, as_text, parse_column
from registry.layers import Field

#: Why a date-and-time is no year: the values are of another kind, not bad values of this one.
NOT_A_YEAR = "a date and time, not a year"
#: A time of day in a value: an edit or creation timestamp, never a year.
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_PLAIN_NUMBER = r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$"


@dataclass(frozen=True)
class Fit:
    """How many of a column's present values fit a field, and why the others do not."""

    fitting: int
    present: int
    misfit: str | None = None  # the commonest reason a value does not fit

    @property
    def share(self) -> float:
        return self.fitting / self.present if self.present else 0.0

    @property
    def other_kind(self) -> bool:
        """The values are of another kind (edit timestamps for a year), not bad values."""
        return self.misfit is not None and NOT_A_YEAR in self.misfit

    def describe(self) -> str:
        """``values fit 98% (49 of 50)``, with the commonest misfit when there is one."""
        text = f"values fit {self.share:.0%} ({self.fitting} of {self.present})"
        return f"{text}; e.g. {self.misfit}" if self.misfit else text


def checkable(fld: Field) -> bool:
    """Whether values can confirm a field: free text takes anything, so it cannot."""
    return fld.type != "text" or fld.values is not None


def value_fit(raw: pd.Series, fld: Field, unit: str | None = None,
              value_map: Mapping[str, str] | None = None) -> Fit | None:
    """How `raw` fits `fld` (None when nothing can say: free text or an empty column).

    Each distinct value is judged once and counted as often as records give it.
    """
    if not checkable(fld):
        return None
    distinct = raw.dropna().drop_duplicates()
    counts = raw.value_counts().reindex(distinct.to_numpy()).to_numpy()
    parsed = parse_column(with_unit(distinct, unit, fld), fld, value_map)
    present = (parsed.values.notna() | parsed.failed.notna()).to_numpy()
    reasons = parsed.failed.where(parsed.failed.notna(), _out_of_range(parsed.values, fld))
    reasons = reasons.where(reasons.notna(), _timestamps(distinct, fld)).where(present)
    if not present.any():
        return None
    misfit = reasons.notna().to_numpy()
    return Fit(int(counts[present & ~misfit].sum()), int(counts[present].sum()),
               _example(distinct, reasons.dropna(), counts[misfit]) if misfit.any() else None)


def with_unit(raw: pd.Series, unit: str | None, fld: Field | None = None) -> pd.Series:
    """The values with the header's unit written after every plain number (``16`` →
    ``16 ft``), so that the value parser converts them; values with a unit keep theirs.

    >>> with_unit(pd.Series([16, None]), "ft").tolist()
    ['16 ft', None]
    """
    if unit is None or (fld is not None and same_unit(unit, fld.unit)):
        return raw
    # Once per distinct value, then spread: a million depths have a few hundred values.
    codes, uniques = pd.factorize(raw)
    distinct = pd.Series(uniques)
    text = as_text(distinct)
    plain = text.str.match(_PLAIN_NUMBER).fillna(False).astype(bool)
    written = distinct.astype(object)
    written[plain] = text[plain].str.strip() + f" {unit}"
    spread = np.append(written.to_numpy(dtype=object), [None])[codes]
    return pd.Series(spread, index=raw.index, dtype=object)


def same_unit(unit: str, other: str | None) -> bool:
    """Whether two unit spellings are one unit (米 and m)."""
    given, target = UNITS.get(_key(unit)), UNITS.get(_key(other or ""))
    return given is not None and given == target


def unit_problem(unit: str, fld: Field) -> str | None:
    """Why the header's unit cannot apply to `fld`, or None when it can.

    >>> from registry.layers import load_layers
    >>> unit_problem("W", load_layers()["drains"].field("depth_m"))
    'unit W measures power, depth_m is a length (m)'
    """
    given, target = UNITS.get(_key(unit)), UNITS.get(_key(fld.unit or ""))
    if given is None:
        return f"unknown unit {unit}"
    if target is None:
        return f"unit {unit}: {fld.name} takes a plain number, no unit"
    if given[0] != target[0]:
        return f"unit {unit} measures {given[0]}, {fld.name} is a {target[0]} ({fld.unit})"
    return None


def _key(unit: str) -> str:
    return unit.strip().casefold()


def _out_of_range(values: pd.Series, fld: Field) -> pd.Series:
    if fld.range is None or fld.type not in ("int", "float"):
        return pd.Series(None, index=values.index, dtype=object)
    low, high = fld.range
    numbers = values.astype("float64")
    outside = numbers.notna() & ~numbers.between(low, high)
    reason = f"outside {fld.name}'s range {low:g}–{high:g} {fld.unit or ''}".rstrip()
    return pd.Series(None, index=values.index, dtype=object).mask(outside, reason)


def _timestamps(raw: pd.Series, fld: Field) -> pd.Series:
    """A year field given date-and-time values: timestamps of an edit, not a year."""
    none = pd.Series(None, index=raw.index, dtype=object)
    if not (fld.type == "int" and fld.name.endswith("year")):
        return none
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        timed = raw.notna() & (raw != raw.dt.normalize())
    else:
        timed = raw.astype("string").str.contains(_TIME_OF_DAY).fillna(False).astype(bool)
    return none.mask(timed, f"{NOT_A_YEAR}: {fld.name} wants the year itself")


def _example(distinct: pd.Series, misfit: pd.Series, counts: np.ndarray) -> str:
    """The commonest reason a value does not fit, with its first value."""
    by_reason = pd.Series(counts, index=misfit.to_numpy()).groupby(level=0, sort=False).sum()
    reason = by_reason.idxmax()
    value = distinct.loc[misfit[misfit == reason].index[0]]
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{shown}: {reason.split(';')[0]}"  # the parser's advice on fixing it is for imports
