"""Which text encoding a survey's attribute bytes are in, and how sure we are.

GDAL reads a shapefile's ``.dbf`` as Latin-1 when no ``.cpg`` names the encoding, so a GBK
survey comes back as mojibake (``'ÓêË®óë×Ó'`` for ``'雨水箅子'``) without any error. Generic
detectors guess poorly on a shapefile's short values, so every candidate decoding is scored
for plausibility: common CJK ideographs count for GB18030/Big5, replacement characters,
C1 controls and runs of Latin-1 supplement letters (the mojibake signature) count against.

>>> choice = detect_encoding(["雨水箅子".encode("gbk"), "铸铁".encode("gbk")])
>>> choice.encoding, choice.scores["gb18030"]
('gb18030', 1.0)
"""
from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from registry.errors import InvalidInput

#: Candidates in order of preference when two score the same.
CANDIDATES = ("utf-8", "gb18030", "big5", "latin-1")
LABELS = {"utf-8": "UTF-8", "gb18030": "GB18030", "big5": "Big5", "latin-1": "latin-1"}
#: Codepages as ArcGIS writes them in a .cpg ("936", "ANSI 936"); GBK is read as its superset.
CODEPAGES = {"936": "gb18030", "950": "big5", "65001": "utf-8", "1252": "cp1252",
             "28591": "latin-1", "54936": "gb18030"}
SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030"}
#: Enough records to see every text field's vocabulary without reading a huge .dbf whole.
DBF_SAMPLE_RECORDS = 5000
CSV_SAMPLE_BYTES = 256 * 1024
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))
#: A run of non-ASCII characters: Latin-1 mojibake comes in runs.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding to read text with, why it was chosen, and each candidate's score."""

    encoding: str
    note: str
    scores: dict[str, float] = field(default_factory=dict)


def normalise_encoding(name: str, origin: str) -> str:
    """Python/GDAL name for an encoding a user or a .cpg gave; InvalidInput if unknown.

    >>> normalise_encoding("ANSI 936", ".cpg"), normalise_encoding("UTF8", "encoding=")
    ('gb18030', 'utf-8')
    """
    text = name.strip().upper().removeprefix("ANSI").strip()
    text = CODEPAGES.get(text, text)
    try:
        python_name = codecs.lookup(text).name
    except LookupError:
        raise InvalidInput(f"{origin}: unknown text encoding {name!r}") from None
    return SUPERSETS.get(python_name, python_name.replace("iso8859-1", "latin-1"))


def shapefile_encoding(dbf: Path, override: str | None = None) -> EncodingChoice:
    """Encoding of a shapefile's .dbf: ``encoding=``, else its .cpg, else detected from bytes.

    >>> shapefile_encoding(Path("wells.dbf"), "GBK").note   # doctest: +SKIP
    'given: encoding=GBK'
    """
    if override:
        return EncodingChoice(normalise_encoding(override, "encoding="), f"given: encoding={override}")
    cpg = next((p for p in (dbf.with_suffix(".cpg"), dbf.with_suffix(".CPG")) if p.exists()), None)
    if cpg is not None:
        declared = cpg.read_text("ascii", errors="replace").strip()
        return EncodingChoice(normalise_encoding(declared, cpg.name), f"declared: .cpg says {declared}")
    choice = detect_encoding(dbf_text_values(dbf))
    return EncodingChoice(choice.encoding, f"detected: no .cpg; {choice.note}", choice.scores)


def text_encoding(data: bytes, override: str | None = None) -> EncodingChoice:
    """Encoding of a delimited text file from its first bytes: ``encoding=``, BOM, or detected.

    >>> text_encoding("名称,经度\\n路灯,114.5\\n".encode("gbk")).encoding
    'gb18030'
    """
    if override:
        return EncodingChoice(normalise_encoding(override, "encoding="), f"given: encoding={override}")
    for bom, name in BOMS:
        if data.startswith(bom):
            return EncodingChoice(name, f"declared: {name} byte-order mark")
    lines = data[:CSV_SAMPLE_BYTES].split(b"\n")
    if len(data) > CSV_SAMPLE_BYTES:
        lines = lines[:-1]  # the cut may split a multi-byte character
    choice = detect_encoding(lines)
    return EncodingChoice(choice.encoding, f"detected: {choice.note}", choice.scores)


def detect_encoding(values: list[bytes]) -> EncodingChoice:
    """Score each candidate encoding on the non-ASCII text; the most plausible wins.

    >>> detect_encoding([b"Caf\\xe9", b"M\\xfcller"]).encoding
    'latin-1'
    """
    texts = [v for v in values if not v.isascii()]
    if not texts:
        return EncodingChoice("utf-8", "text is plain ASCII (any encoding reads it)")
    scores = {name: round(plausibility(texts, name), 2) for name in CANDIDATES}
    best = max(CANDIDATES, key=lambda name: scores[name])  # max keeps the first of equals
    ranked = sorted(CANDIDATES, key=lambda name: -scores[name])
    described = ", ".join(f"{LABELS[n]} {scores[n]:.2f}{verdict(n, scores[n])}" for n in ranked)
    return EncodingChoice(best, f"{LABELS[best]} scored best ({described})", scores)


def verdict(name: str, score: float) -> str:
    """A word on why a candidate lost: mojibake for Latin-1, undecodable for the others."""
    if score >= 0.5:
        return ""
    return " mojibake" if name == "latin-1" else " implausible"


def plausibility(values: list[bytes], encoding: str) -> float:
    """Mean plausibility (0–1) of the non-ASCII characters the values decode to.

    Survey text repeats a small vocabulary: the weights of each distinct sequence of
    non-ASCII runs are summed once, in order, so the mean is exactly what judging every
    character of every value gives.
    """
    total = good = 0.0
    summed: dict[tuple[str, ...], tuple[float, int]] = {}
    for value in values:
        runs = tuple(_NON_ASCII.findall(value.decode(encoding, errors="replace")))
        if runs not in summed:
            weights = char_weights(runs, encoding)
            summed[runs] = (sum(weights), len(weights))
        total += summed[runs][1]
        good += summed[runs][0]
    return good / total if total else 0.0


def char_weights(runs: tuple[str, ...], encoding: str) -> list[float]:
    """Plausibility of each character of one decoded value's runs of non-ASCII characters."""
    if encoding == "latin-1":
        return latin1_weights(runs)
    judge = {"utf-8": unicode_weight, "gb18030": gb_weight, "big5": big5_weight}[encoding]
    return [judge(ch) for run in runs for ch in run]


def unicode_weight(ch: str) -> float:
    """Valid UTF-8 multi-byte sequences almost never arise from other encodings by chance."""
    code = ord(ch)
    return 0.0 if ch == "\ufffd" or 0x80 <= code <= 0x9F or 0xE000 <= code <= 0xF8FF else 1.0


def gb_weight(ch: str) -> float:
    """GB2312's 6,763 hanzi cover nearly all survey text; rarer GBK characters hint at mojibake."""
    return cjk_weight(ch, "gb2312", range(0xB0, 0xF8))


def big5_weight(ch: str) -> float:
    """Big5 level 1 holds the 5,401 common traditional characters."""
    return cjk_weight(ch, "big5", range(0xA4, 0xC7))


def cjk_weight(ch: str, charset: str, common_leads: range) -> float:
    if is_cjk_punctuation(ch):
        return 1.0
    try:
        lead = ch.encode(charset)[0]
    except UnicodeEncodeError:
        return 0.5 if is_cjk_ideograph(ch) else 0.0
    return 1.0 if lead in common_leads else 0.6


def latin1_weights(runs: tuple[str, ...]) -> list[float]:
    """Accented letters stand alone in real Latin-1 text; mojibake comes in runs ('Ã©', 'ï¿½')."""
    weights: list[float] = []
    for run in runs:
        weights += [0.0] * len(run) if len(run) > 1 else [latin1_weight(run)]
    return weights


def latin1_weight(ch: str) -> float:
    """A lone non-ASCII character: a letter counts, a sign a little, 'Ã', 'Â' and C1 nothing."""
    if ch in "ÃÂ" or ord(ch) <= 0x9F:
        return 0.0
    return 1.0 if ch.isalpha() else 0.3


def is_cjk_ideograph(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def is_cjk_punctuation(ch: str) -> bool:
    code = ord(ch)
    return 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E


def dbf_text_values(dbf: Path) -> list[bytes]:
    """Raw bytes of the field names and character values of a .dbf's first records.

    Parsed from the dBASE header directly, so the bytes are seen before any decoding.
    """
    with open(dbf, "rb") as stream:
        head = stream.read(32)
        if len(head) < 32:
            raise InvalidInput(f"{dbf.name}: not a dBASE file (too short)")
        count, header_size, record_size = struct.unpack("<IHH", head[4:12])
        descriptors = stream.read(header_size - 32)
        stream.seek(header_size)
        body = stream.read(record_size * min(count, DBF_SAMPLE_RECORDS))
    fields = dbf_character_fields(descriptors)
    names = [name for name, _, _ in fields]
    return names + list({value for record in records(body, record_size)
                         for value in field_values(record, fields)})


def dbf_character_fields(descriptors: bytes) -> list[tuple[bytes, int, int]]:
    """(name, offset in record, width) of each character field, from 32-byte descriptors."""
    fields, offset = [], 1  # byte 0 of every record is the deletion flag
    for start in range(0, len(descriptors) - 31, 32):
        entry = descriptors[start:start + 32]
        if entry[0] == 0x0D:
            break
        name, kind, width = entry[:11].split(b"\0")[0], entry[11:12], entry[16]
        if kind == b"C":
            fields.append((name, offset, width))
        offset += width
    return fields


def records(body: bytes, record_size: int) -> list[bytes]:
    return [body[i:i + record_size] for i in range(0, len(body) - record_size + 1, record_size)]


def field_values(record: bytes, fields: list[tuple[bytes, int, int]]) -> list[bytes]:
    return [record[offset:offset + width].rstrip(b" \0") for _, offset, width in fields]
