"""Normalise survey values to a layer's fields: domain words, numbers with units, dates, yes/no.

Every column is parsed once per distinct value with pandas string methods, then spread back
over the rows, so a million-row survey with a few thousand distinct values costs little.
A value that cannot be placed — unreadable, in an unknown unit, outside the field's domain,
several values in one cell (``762/610/457``) — is left empty and *flagged* for review, naming
row, field, raw value and reason: one bad optional value never costs the whole asset, and no
one of several values is picked silently. A value changed in a way a person should check (0
read as unknown, a swapped pressure class) becomes a correction.

>>> from registry.layers import load_layers
>>> layer = load_layers()["gas_mains"]
>>> frame = pd.DataFrame({"material": ["PE管", "灰口铸铁", "木头"],
...                       "diameter_mm": ["DN300", "0.1m", "N/A"]}, index=[1, 2, 3])
>>> out = normalise(frame, layer)
>>> out.frame["material"].tolist(), out.frame["diameter_mm"].tolist()
(['pe', 'grey_cast_iron', None], [300, 100, <NA>])
>>> out.flags[["row", "value", "action"]].values.tolist()
[[3, '木头', 'flagged']]
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from functools import cache
from datetime import date
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from importers.report import combine, no_problems, problem_table
from registry.gas.rules import GasRules, load_rules
from registry.layers import Field, Layer

#: Spellings of "no value", compared after the text key (NFKC, no spaces, case-folded).
NULL_TOKENS = frozenset({"", "n/a", "na", "<空>", "空", "null", "none", "nan", "无", "-", "--", "/"})
TRUE_TOKENS = frozenset({"是", "有", "y", "yes", "true", "t", "1", "对", "√", "✓", "✔"})
FALSE_TOKENS = frozenset({"否", "无", "n", "no", "false", "f", "0", "错", "×", "✗", "✘",
                          "不是", "没有"})
#: What separates several values crammed into one cell: 762/610/457, DN100、DN150.
MULTI_SEPARATORS = r"\s*[/、;；|，]\s*"
#: Unit spellings (text key) → (dimension, factor to the dimension's base unit).
UNITS = {
    **dict.fromkeys(("m", "米", "公尺"), ("length", 1.0)),
    **dict.fromkeys(("cm", "厘米", "公分"), ("length", 0.01)),
    **dict.fromkeys(("mm", "毫米"), ("length", 0.001)),
    **dict.fromkeys(("km", "公里", "千米"), ("length", 1000.0)),
    **dict.fromkeys(("ft", "feet", "foot", "'", "英尺"), ("length", 0.3048)),
    **dict.fromkeys(("in", "inch", "inches", '"', "英寸"), ("length", 0.0254)),
    **dict.fromkeys(("w", "瓦"), ("power", 1.0)),
    **dict.fromkeys(("kw", "千瓦"), ("power", 1000.0)),
    **dict.fromkeys(("mpa", "兆帕"), ("pressure", 1e6)),
    **dict.fromkeys(("kpa", "千帕"), ("pressure", 1e3)),
    "pa": ("pressure", 1.0), "bar": ("pressure", 1e5),
}
#: Decimals kept after converting into a field's unit: converting adds false precision.
DECIMALS = {"m": 2, "mm": 0, "mpa": 4, "w": 0}
#: A nominal diameter (DN300, De110) is in millimetres.
_NUMBER = r"^(?P<dn>dn|de|φ)?(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(?P<unit>\D.*)?$"
#: Date spellings on the text key, tried in order; each yields y, and m, d when present.
#: A time after the date (dropped: the fields hold days): 3:20, 15:20:00, 下午 3:20, 3:20 PM.
_TIME = r"(?:(?:t|\s|(?=上午|下午|中午|晚上|早上|凌晨))\s*(?:上午|下午|中午|晚上|早上|凌晨)?\s*" \
        r"\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?\s*(?:am|pm|a\.m\.|p\.m\.)?(?:z|[-+]\d{2}:?\d{2})?)?"
_DATE_PATTERNS = (
    r"^(?P<y>\d{3,4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + _TIME + "$",
    r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})" + _TIME + "$",
    r"^(?P<y>\d{3,4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?$",
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$",
    r"^(?P<y>\d{3,4})年?$",
)
_EPOCH_MS = r"^(?P<ms>-?\d{9,})(?:\.\d+)?$"
EARLIEST_YEAR = 1800


@dataclass
class Parsed:
    """One column normalised, with a reason where a value failed and a note where it changed."""

    values: pd.Series
    failed: pd.Series
    altered: pd.Series

    def spread(self, codes: np.ndarray, index: pd.Index) -> "Parsed":
        """The per-distinct-value result spread back over the rows (code -1 = missing)."""
        return Parsed(*(_take(s, codes, index) for s in (self.values, self.failed, self.altered)))


@dataclass
class Normalised:
    """A frame of field columns with normalised values, and what was flagged or corrected.

    A flagged value is empty in `frame`; ``raw`` keeps the values as surveyed, for problems
    to quote.
    """

    frame: pd.DataFrame
    flags: pd.DataFrame = field(default_factory=no_problems)
    corrections: pd.DataFrame = field(default_factory=no_problems)
    raw: pd.DataFrame | None = None


def normalise(frame: pd.DataFrame, layer: Layer,
              value_maps: Mapping[str, Mapping[str, str]] | None = None) -> Normalised:
    """Normalise every field column of `frame` (index = source row) for `layer`."""
    value_maps = value_maps or {}
    out = Normalised(frame.copy(), raw=frame)
    for fld in layer.fields:
        if fld.name in frame.columns:
            parsed = parse_column(frame[fld.name], fld, value_maps.get(fld.name))
            out.frame[fld.name] = parsed.values
            out.flags = combine(out.flags, problem_rows(frame[fld.name], fld.name,
                                                        parsed.failed, "flagged"))
            out.corrections = combine(out.corrections, problem_rows(
                frame[fld.name], fld.name, parsed.altered, "corrected"))
    if "source_id" in frame.columns:
        out.frame["source_id"] = clean_text(frame["source_id"])
    return out


def parse_column(raw: pd.Series, fld: Field, value_map: Mapping[str, str] | None = None) -> Parsed:
    """Normalise one column for `fld`, parsing each distinct value once.

    >>> from registry.layers import load_layers
    >>> depth = load_layers()["drains"].field("depth_m")
    >>> parse_column(pd.Series(["16 ft", "0.4米", "30cm", "0"]), depth).values.tolist()
    [4.88, 0.4, 0.3, nan]
    """
    codes, uniques = pd.factorize(raw)
    parser = _parser_for(fld)
    parsed = parser(pd.Series(np.asarray(uniques, dtype=raw.dtype if _datetime(raw) else None)),
                    fld, value_map or {})
    return parsed.spread(codes, raw.index)


def _parser_for(fld: Field) -> Callable[[pd.Series, Field, Mapping[str, str]], Parsed]:
    if fld.type == "int" and fld.name.endswith("year"):
        return _years
    return {"text": _text, "int": _number, "float": _number, "date": _dates,
            "bool": _bools}[fld.type]


def clean_text(raw: pd.Series) -> pd.Series:
    """Trimmed text, whole numbers without ``.0`` and null spellings as missing (None).

    >>> clean_text(pd.Series([11.0, None, 3.5])).tolist()
    ['11', None, '3.5']
    """
    text = as_text(raw)
    # Null spellings are short: keying only short values keeps a million ids cheap.
    short = text[text.str.len() <= max(map(len, NULL_TOKENS))]
    null = text_key(short).isin(NULL_TOKENS).reindex(text.index, fill_value=False)
    return text.mask(null).astype(object).where(text.notna() & ~null, None)


def as_text(raw: pd.Series) -> pd.Series:
    """Values as trimmed text; whole floats read as integers (11.0 → 11)."""
    if pd.api.types.is_float_dtype(raw.dtype):
        present = raw.dropna()
        # Whole numbers within float precision — the common case, and ten times faster.
        if ((present % 1 == 0) & (present.abs() < 2**53)).all():
            return raw.astype("Int64").astype("string")
        return raw.astype("string").str.replace(r"\.0$", "", regex=True)
    return raw.astype("string").str.strip()


def text_key(text: pd.Series) -> pd.Series:
    r"""Comparison key: full-width folded to ASCII (NFKC), spaces and zero-width marks removed,
    case-folded.

    >>> text_key(pd.Series([" 是 ", "ＹＥＳ", "\u200b否"])).tolist()
    ['是', 'yes', '否']
    """
    return (as_text(text).str.normalize("NFKC")
            .str.replace(_INVISIBLE, "", regex=True).str.casefold())


#: Whitespace, and the zero-width marks and BOM that spreadsheets leave inside cells.
_INVISIBLE = r"[\s\u200b-\u200d\u2060\ufeff]+"


def several_values(key: pd.Series, one: Callable[[pd.Series], pd.Series]) -> pd.Series:
    r"""Where a cell holds several values that each read as one (`one` says which parts do).

    >>> several_values(pd.Series(["762/610/457", "dn100、dn150", "300", "a/b"]),
    ...                lambda part: part.str.fullmatch(r"(dn)?\d+")).tolist()
    [True, True, False, False]
    """
    parts = key.str.split(MULTI_SEPARATORS, regex=True).explode()
    parts = parts[parts.notna() & (parts != "")]
    counted = parts.groupby(level=0).size().reindex(key.index, fill_value=0)
    readable = one(parts).fillna(False).astype(bool).groupby(level=0).all()
    return (counted >= 2) & readable.reindex(key.index, fill_value=False)


def several_reason(raw: pd.Series) -> pd.Series:
    """The review note of a cell holding several values."""
    return "several values in one cell (" + as_text(raw) + "): none picked, kept raw for review"


# -- text --------------------------------------------------------------------------------
def _text(uniques: pd.Series, fld: Field, value_map: Mapping[str, str]) -> Parsed:
    text, key = as_text(uniques), text_key(uniques)
    null = key.isin(NULL_TOKENS)
    if fld.values is None:
        return _parsed(as_objects(text.mask(null)))
    lookup = domain_lookup(fld, value_map)
    values = as_objects(key.map(lookup))
    unknown = values.isna() & ~null
    several = unknown & several_values(key, lambda part: part.isin(list(lookup)))
    hint = f"not one of {fld.name}'s values ({', '.join(fld.values)}); " \
           f"add it to the mapping file under [values.{fld.name}]"
    return _parsed(values, _reasons(uniques, (several, several_reason(uniques)),
                                    (unknown, hint)))


def domain_lookup(fld: Field, value_map: Mapping[str, str]) -> dict[str, str]:
    """Text key → layer value, from the values, their aliases and the user's mapping file."""
    spellings = {**{v: v for v in fld.values or ()}, **fld.value_aliases, **value_map}
    keys = text_key(pd.Series(list(spellings), dtype="string"))
    return dict(zip(keys, spellings.values()))


# -- numbers -----------------------------------------------------------------------------
def _number(uniques: pd.Series, fld: Field, value_map: Mapping[str, str]) -> Parsed:
    if pd.api.types.is_numeric_dtype(uniques.dtype) and not pd.api.types.is_bool_dtype(uniques):
        numbers, failed = uniques.astype("float64"), _none(uniques)
        converted = pd.Series(False, index=uniques.index)
    else:
        numbers, converted, failed = _numbers_from_text(uniques, fld)
    return _finish_number(numbers, converted, failed, fld)


def _numbers_from_text(uniques: pd.Series, fld: Field) -> tuple[pd.Series, pd.Series, pd.Series]:
    key = text_key(uniques)
    null = key.isin(NULL_TOKENS)
    parts = key.str.replace(",", "", regex=False).str.extract(_NUMBER, flags=re.ASCII)
    unit = parts["unit"].fillna(parts["dn"].notna().map({True: "mm", False: None}))
    given = unit.map(UNITS)
    target = UNITS.get(text_key(pd.Series([fld.unit or ""])).iloc[0])
    dimension = given.map(lambda u: u[0], na_action="ignore")
    factor = given.map(lambda u: u[1], na_action="ignore").astype("float64")
    number = pd.to_numeric(parts["num"], errors="coerce")
    several = ~null & several_values(key, _one_number)
    failed = _reasons(uniques, (several, several_reason(uniques)),
                      *_number_failures(null, number, unit, given, dimension, fld, target))
    target_factor = target[1] if target else 1.0
    converted = factor.notna() & (factor != target_factor)
    value = number * factor.fillna(target_factor) / target_factor
    return value.mask(failed.notna() | null), converted, failed


def _one_number(parts: pd.Series) -> pd.Series:
    """Whether each part reads as one number with a known unit or none."""
    found = parts.str.extract(_NUMBER, flags=re.ASCII)
    return found["num"].notna() & (found["unit"].isna() | found["unit"].isin(list(UNITS)))


def _number_failures(null: pd.Series, number: pd.Series, unit: pd.Series, given: pd.Series,
                     dimension: pd.Series, fld: Field, target: tuple | None) -> list[tuple]:
    has_unit = unit.notna()
    return [
        (~null & number.isna(), "not a number"),
        (~null & has_unit & given.isna(), "unknown unit"),
        (~null & has_unit & (target is None), f"{fld.name} takes a plain number, no unit"),
        (~null & dimension.notna() & (dimension != (target or ("",))[0]),
         f"unit does not measure what {fld.name} ({fld.unit}) measures"),
    ]


def _finish_number(numbers: pd.Series, converted: pd.Series, failed: pd.Series,
                   fld: Field) -> Parsed:
    decimals = DECIMALS.get((fld.unit or "").casefold())
    if decimals is not None:
        numbers = numbers.where(~converted, numbers.round(decimals))
    if fld.type == "int":
        fraction = numbers.notna() & (numbers % 1 != 0)
        # Beyond 64 bits no integer column holds it (1e19 is no pipe diameter either).
        huge = numbers.notna() & ~(numbers.abs() < 2**63)
        failed = failed.fillna(_reasons(numbers, (fraction, "not a whole number"),
                                        (huge, "too large a number")))
        numbers = numbers.mask(fraction | huge)
    # A zero where the range starts above it is how many surveys spell "not measured".
    zero_means_unknown = fld.range is not None and fld.range[0] > 0
    altered = _reasons(numbers, (numbers.eq(0) & zero_means_unknown,
                                 f"0 read as unknown: {fld.name} starts at {_range_min(fld)}"))
    numbers = numbers.mask(altered.notna())
    return Parsed(numbers.astype("Int64" if fld.type == "int" else "float64"), failed, altered)


def _range_min(fld: Field) -> Any:
    return fld.range[0] if fld.range else None


# -- dates and years ---------------------------------------------------------------------
def _dates(uniques: pd.Series, fld: Field, value_map: Mapping[str, str]) -> Parsed:
    ymd, failed, altered = _calendar(uniques)
    days = _days(ymd)
    iso = pd.Series(np.datetime_as_string(days, unit="D"), index=uniques.index, dtype="string")
    iso = iso.mask(failed.notna() | altered.notna() | ymd["y"].isna())
    # 2019.05 or 2019 says no day: the stored 1st is ours, so a person is told.
    altered = altered.fillna(_reasons(uniques, (iso.notna() & ymd["no_day"],
                                                "no day given: stored as " + iso)))
    return Parsed(as_objects(iso), failed, altered)


def _years(uniques: pd.Series, fld: Field, value_map: Mapping[str, str]) -> Parsed:
    ymd, failed, altered = _calendar(uniques)
    return Parsed(ymd["y"].mask(failed.notna() | altered.notna()).astype("Int64"),
                  failed, altered)


def _calendar(uniques: pd.Series) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Year, month, day of each value (month and day default to 1), why any failed and
    which zeros were read as unknown."""
    key = date_key(_date_text(uniques))
    # ArcGIS and many survey apps write 0 (1970-01-01) for "no date".
    zero = key.eq("0")
    null = key.isin(NULL_TOKENS) | zero
    ymd = _ymd(key)
    partial = ymd[["m", "d"]].fillna(1)
    ymd = ymd.assign(m=partial["m"], d=partial["d"], no_day=ymd["d"].isna())
    found = ymd["y"].notna()
    valid = found & (_days(ymd).astype("datetime64[M]") == _months(ymd))
    year = ymd["y"].astype("Int64").astype("string").str.zfill(4)
    latest = date.today().year + 1
    plausible = ymd["y"].between(EARLIEST_YEAR, latest)
    several = ~null & ~found & several_values(key, lambda part: _ymd(part)["y"].notna())
    return ymd, _reasons(uniques, (several, several_reason(uniques)),
                         (~null & ~found, "not a date (e.g. 2005-05-03, 2005年5月, 5/3/2005, "
                                          "2005 or epoch milliseconds)"),
                         (found & ~valid, "no such day"),
                         (found & ~plausible, "year " + year + " is implausible "
                                              f"(expected {EARLIEST_YEAR}–{latest})")), \
        _reasons(uniques, (zero, "0 read as unknown: no date"))


def date_key(text: pd.Series) -> pd.Series:
    """The key dates are read from: like `text_key`, but a space stays a (single) space —
    removed, ``2019/5/1 12:30`` would read as the 11th.

    >>> date_key(pd.Series(["２０１９/5/1　 下午 12:30"])).tolist()
    ['2019/5/1 下午 12:30']
    """
    return (as_text(text).str.normalize("NFKC").str.replace(r"[\u200b-\u200d\u2060\ufeff]", "",
                                                           regex=True)
            .str.replace(r"\s+", " ", regex=True).str.strip().str.casefold())


def _date_text(uniques: pd.Series) -> pd.Series:
    if _datetime(uniques):
        return uniques.dt.strftime("%Y-%m-%d")
    if pd.api.types.is_numeric_dtype(uniques.dtype):
        numbers = uniques.astype("float64")
        sane = np.isfinite(numbers) & (numbers.abs() < 2**53)
        text = numbers.where(sane).round().astype("Int64").astype("string")
        # inf or 1e300 is no date: keep its text so that it is rejected, not dropped.
        return text.mask(~sane & numbers.notna(), numbers.astype("string"))
    return uniques


def _ymd(key: pd.Series) -> pd.DataFrame:
    ymd = pd.DataFrame(index=key.index, columns=["y", "m", "d"], dtype="Int64")
    for pattern in _DATE_PATTERNS:
        # ASCII digits only: \d would also take Arabic-Indic digits, which no survey means.
        found = key.str.extract(pattern, flags=re.ASCII).reindex(columns=["y", "m", "d"])
        ymd = ymd.combine_first(found.apply(pd.to_numeric).astype("Int64"))
    epoch = pd.to_numeric(key.str.extract(_EPOCH_MS, flags=re.ASCII)["ms"]).dropna()
    epoch = epoch.astype("int64")
    moments = epoch.to_numpy().astype("datetime64[ms]")
    months = moments.astype("datetime64[M]")
    return ymd.combine_first(pd.DataFrame({
        "y": moments.astype("datetime64[Y]").astype("int64") + 1970,
        "m": months.astype("int64") % 12 + 1,
        "d": (moments.astype("datetime64[D]") - months).astype("int64") + 1,
    }, index=epoch.index, dtype="Int64"))


def _months(ymd: pd.DataFrame) -> np.ndarray:
    y, m = ymd["y"].fillna(1970).to_numpy("int64"), ymd["m"].fillna(1).to_numpy("int64")
    return ((y - 1970) * 12 + np.clip(m, 1, 13) - 1).astype("datetime64[M]")


def _days(ymd: pd.DataFrame) -> np.ndarray:
    d = ymd["d"].fillna(1).to_numpy("int64")
    valid_month = ymd["m"].fillna(1).between(1, 12).to_numpy()
    days = _months(ymd).astype("datetime64[D]") + (np.maximum(d, 1) - 1).astype("timedelta64[D]")
    # A month of 13 or a day of 0 must not look valid after the arithmetic wraps.
    return np.where(valid_month & (d >= 1), days, np.datetime64("NaT"))


def _datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


# -- yes / no ----------------------------------------------------------------------------
def _bools(uniques: pd.Series, fld: Field, value_map: Mapping[str, str]) -> Parsed:
    key = text_key(uniques)
    values = pd.Series(pd.NA, index=uniques.index, dtype="boolean")
    values = values.mask(key.isin(TRUE_TOKENS), True).mask(key.isin(FALSE_TOKENS), False)
    null = key.isin(NULL_TOKENS - FALSE_TOKENS)
    return _parsed(values, _reasons(uniques, (values.isna() & ~null,
                                              "not yes or no (是/否, 有/无, Y/N, true/false, 1/0)")))


# -- gas pressure class -----------------------------------------------------------------
#: Pressure classes (GB 50028): label and the (exclusive, inclusive] band in MPa.
#: The pressure bands themselves are the gas rules' (``layers/gas/scope.toml``, GB 50028-2006
#: table 6.1.6: 低压 P < 0.01, 中压B 0.01 ≤ P ≤ 0.2, 中压A 0.2 < P ≤ 0.4 MPa): one table.
PRESSURE_LABELS = {"low": "低压", "medium_b": "中压B", "medium_a": "中压A"}


@cache
def gas_rules() -> GasRules:
    """The gas rules, read once: their pressure bands are the ones every import checks."""
    return load_rules()


#: Files in the wild swap the two medium classes.
SWAPPED_CLASS = {"medium_a": "medium_b", "medium_b": "medium_a"}


def check_pressure_class(out: Normalised) -> Normalised:
    """Check ``pressure_mpa`` against ``pressure_class``: correct a swapped A/B; flag any other
    misfit, leaving the class empty (the measured pressure stays) for a person to settle.

    >>> frame = pd.DataFrame({"pressure_class": ["medium_b", "low", "medium_a"],
    ...                       "pressure_mpa": [0.3, 0.2, 0.3]}, index=[1, 2, 3])
    >>> checked = check_pressure_class(Normalised(frame))
    >>> checked.frame["pressure_class"].tolist(), checked.flags["row"].tolist()
    (['medium_a', None, 'medium_a'], [2])
    """
    frame = out.frame
    if not {"pressure_mpa", "pressure_class"} <= set(frame.columns):
        return out
    mpa, stated = frame["pressure_mpa"].astype("float64"), frame["pressure_class"]
    as_surveyed = stated if out.raw is None else out.raw["pressure_class"]
    other = stated.map(SWAPPED_CLASS)
    misfit = mpa.notna() & stated.notna() & ~_fits(mpa, stated)
    swapped, wrong = misfit & _fits(mpa, other), misfit & ~_fits(mpa, other)
    said = ("pressure " + mpa.astype("string") + " MPa does not fit "
            + stated.map(_band, "ignore").astype("string"))
    fits_other = "; it fits " + other.map(_band, "ignore").astype("string") + ": class corrected"
    corrected = problem_rows(as_surveyed, "pressure_class", (said + fits_other).where(swapped),
                             "corrected")
    flagged = problem_rows(as_surveyed, "pressure_class",
                           (said + ": class left empty for review").where(wrong), "flagged")
    settled = stated.where(~swapped, other).where(~wrong, None)
    return Normalised(frame.assign(pressure_class=as_objects(settled)),
                      combine(out.flags, flagged), combine(out.corrections, corrected),
                      out.raw)


def _fits(mpa: pd.Series, pressure_class: pd.Series) -> pd.Series:
    """Whether each pressure lies in its stated class's band (False for no class)."""
    out = pd.Series(False, index=mpa.index)
    for name in pressure_class.dropna().unique():
        band = gas_rules().pressure_band(name)
        rows = (pressure_class == name).to_numpy()
        if band is not None:
            out[rows] = band.fits(mpa[rows].to_numpy(dtype=float))
    return out


def _band(pressure_class: str) -> str:
    band = gas_rules().pressure_band(pressure_class)
    text = band.text if band else "no band in scope.toml"
    return f"{PRESSURE_LABELS.get(pressure_class, pressure_class)} {pressure_class} ({text})"


# -- problems ----------------------------------------------------------------------------
def problem_rows(raw: pd.Series, field_name: str, reasons: pd.Series,
                 action: str = "rejected") -> pd.DataFrame:
    """A problem table with the raw value of each row that has a reason."""
    hit = reasons.dropna()
    return problem_table(hit.index, field_name, raw.loc[hit.index].to_numpy(dtype=object),
                         hit.to_numpy(), action)


def _reasons(like: pd.Series, *rules: tuple[pd.Series | bool, str | pd.Series]) -> pd.Series:
    """The first rule's reason where its mask holds, else missing."""
    out = pd.Series(None, index=like.index, dtype="object")
    for mask, reason in reversed(rules):
        out = out.mask(pd.Series(mask, index=like.index).fillna(False).astype(bool), reason)
    return out


def as_objects(column: pd.Series) -> pd.Series:
    """Values as the registry's frames hold text: Python objects, None for every missing kind."""
    return column.astype(object).where(column.notna(), None)


def _none(like: pd.Series) -> pd.Series:
    return pd.Series(None, index=like.index, dtype="object")


def _parsed(values: pd.Series, failed: pd.Series | None = None) -> Parsed:
    return Parsed(values, _none(values) if failed is None else failed, _none(values))


def _take(series: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    if series.dtype != object:
        return pd.Series(series.array.take(codes, allow_fill=True), index=index,
                         dtype=series.dtype)
    # Missing made None on the few distinct values, then one numpy gather (code -1: None).
    values = np.append(series.to_numpy(dtype=object), None)
    values[pd.isna(values)] = None
    return pd.Series(values[codes], index=index, dtype=object)
