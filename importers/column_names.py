"""Which layer fields a survey column's *name* could mean: field name, Chinese name, alias,
pinyin-initial code, each with or without a unit suffix.

Pipeline-survey software writes a field's Chinese name as the upper-case initials of its
pinyin (埋深 → ``MS``, 井盖材质 → ``JGCZ``); the codes are computed here from each field's
Chinese name and Chinese aliases in the layer file, never listed by hand. A header may carry
its unit (``管径(mm)``, ``埋深（英尺）``, ``DEPTH_FT``): the name without the suffix is what
is matched, and the unit travels with the match.

>>> from registry.layers import load_layers
>>> [(m.field, m.how, m.detail) for m in name_matches(load_layers()["gas_mains"], "YLJZ")]
[('pressure_class', 'pinyin initials', 'YLJZ = 压力级制')]
>>> split_unit("埋深（英尺）"), split_unit("DEPTH_FT"), split_unit("POINT_X")
(('埋深', '英尺'), ('DEPTH', 'FT'), ('POINT_X', None))
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

from importers.values import UNITS
from registry.layers import Layer

SOURCE_ID = "source_id"
#: How much a kind of name match is worth before the values have a say.
NAME_SCORES = {"mapping file": 1.0, "field name": 1.0, "Chinese name": 0.97, "alias": 0.95,
               "pinyin initials": 0.85}
#: A two-letter code (XQ, BZ) collides with too many words (小区/巡查, 班组/备注) to stand alone.
SHORT_CODE_SCORE = 0.7
#: A bracketed note that is not a unit (``材质(管材)``) makes the match a little less certain.
ANNOTATED_FACTOR = 0.95
#: More readings of polyphonic characters than this are not worth guessing.
MAX_READINGS = 8

_BRACKETED = re.compile(r"^(?P<stem>.+?)\s*[(\[](?P<note>[^()\[\]]+)[)\]]\s*$")
_SUFFIXED = re.compile(r"^(?P<stem>.+?)[_\-\s](?P<note>[A-Za-z]+)$")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")


@dataclass(frozen=True)
class NameMatch:
    """One field a column's name could mean, how, and the unit its header states."""

    field: str
    how: str
    detail: str
    score: float
    unit: str | None = None
    rank: int = 0  # position of the name in the layer file: earlier names win ties


def name_matches(layer: Layer, column: str) -> list[NameMatch]:
    """Every field of `layer` the column's name could mean, best first.

    >>> from registry.layers import load_layers
    >>> [(m.field, m.unit) for m in name_matches(load_layers()["drains"], "井深（m）")]
    [('depth_m', 'm')]
    """
    stem, note = split_unit(column)
    found = _matches(layer, column, None, 1.0)
    if not found and note is not None:
        unit = note if _is_unit(note) else None
        found = _matches(layer, stem, unit, 1.0 if unit else ANNOTATED_FACTOR)
    return sorted(found, key=lambda m: (-m.score, m.rank))


def split_unit(column: str) -> tuple[str, str | None]:
    """The header without a trailing bracketed note or ``_UNIT`` suffix, and the note.

    A ``_SUFFIX`` counts only when it is a unit: ``POINT_X`` stays whole.
    """
    text = unicodedata.normalize("NFKC", column).strip()
    bracketed = _BRACKETED.match(text)
    if bracketed:
        return bracketed["stem"], bracketed["note"].strip()
    suffixed = _SUFFIXED.match(text)
    if suffixed and _is_unit(suffixed["note"]):
        return suffixed["stem"], suffixed["note"]
    return column, None


def _is_unit(note: str) -> bool:
    return name_key(note) in UNITS


def name_key(name: str) -> str:
    """Comparison key of a name: full-width folded (NFKC), no spaces, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def _matches(layer: Layer, name: str, unit: str | None, factor: float) -> list[NameMatch]:
    key, found = name_key(name), {}
    for rank, (field, how, known) in enumerate(_names(layer)):
        if field in found:
            continue
        if how == "pinyin initials":
            if key.isascii() and key.upper() in pinyin_codes(known):
                score = NAME_SCORES[how] if len(key) > 2 else SHORT_CODE_SCORE
                found[field] = NameMatch(field, how, f"{key.upper()} = {known}",
                                         score * factor, unit, rank)
        elif key == name_key(known):
            found[field] = NameMatch(field, how, known, NAME_SCORES[how] * factor, unit, rank)
    return list(found.values())


def _names(layer: Layer) -> list[tuple[str, str, str]]:
    """(field, kind of name, name) for every name a survey may use, in layer-file order."""
    names = []
    for fld in (f for f in layer.fields if not f.derived):
        names += [(fld.name, "field name", fld.name), (fld.name, "Chinese name", fld.zh)]
        names += [(fld.name, "alias", alias) for alias in fld.aliases]
    names += [(SOURCE_ID, "field name", SOURCE_ID)]
    names += [(SOURCE_ID, "alias", alias) for alias in layer.source_id_aliases]
    chinese = [(field, "pinyin initials", name) for field, how, name in names
               if how != "field name" and _HAN.match(name)]
    return names + chinese


@lru_cache(maxsize=4096)
def pinyin_codes(chinese: str) -> frozenset[str]:
    """Upper-case pinyin initials of a Chinese name, one per reading of its polyphonic
    characters (桥长 → QC and QZ); codes of one letter are no evidence and are left out.

    >>> sorted(pinyin_codes("井盖材质")), sorted(pinyin_codes("桥长"))
    (['JGCZ'], ['QC', 'QZ'])
    """
    readings = pinyin(chinese, style=Style.FIRST_LETTER, heteronym=True, strict=False)
    choices = [sorted({r.upper() for r in reading}) for reading in readings]
    count = 1
    for options in choices:
        count *= len(options)
    if count > MAX_READINGS:
        choices = [options[:1] for options in choices]
    codes = {"".join(parts) for parts in itertools.product(*choices)}
    return frozenset(code for code in codes if len(code) > 1)
