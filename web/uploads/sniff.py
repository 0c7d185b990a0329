"""Look at an uploaded file before any reader does: is it what its name says it is?

The name's suffix chooses the reader, so a file whose first bytes belong to another format
is refused here with a message naming both. XML (KML, GML) may not declare a document type
or entities: survey files never need them, and entity expansion ("billion laughs") is how
a few kilobytes become gigabytes.

>>> content_kind(b"PK\\x03\\x04...")
'zip archive'
>>> expected_kinds("路灯.geojson")
('JSON',)
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from registry.errors import InvalidInput

#: Upload suffix → the content kinds a file of that name may hold.
ACCEPTED = {
    ".zip": ("zip archive",), ".xlsx": ("zip archive",), ".xlsm": ("zip archive",),
    ".gpkg": ("SQLite database",), ".fgb": ("FlatGeobuf",),
    ".geojson": ("JSON",), ".json": ("JSON",), ".kml": ("XML",), ".gml": ("XML",),
    ".csv": ("text",), ".tsv": ("text",), ".txt": ("text",),
}
MAGIC = [(b"PK\x03\x04", "zip archive"), (b"PK\x05\x06", "zip archive"),
         (b"SQLite format 3\x00", "SQLite database"), (b"fgb\x03", "FlatGeobuf"),
         (b"\x1f\x8b", "gzip stream"), (b"%PDF", "PDF document"), (b"MZ", "Windows program"),
         (b"\x7fELF", "Linux program"), (b"\xd0\xcf\x11\xe0", "old Office document"),
         (b"Rar!", "RAR archive"), (b"7z\xbc\xaf", "7-Zip archive")]
HEAD_BYTES = 64 << 10
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
#: The first element of an XML document: the prolog (where a DTD may sit) ends there.
ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def safe_name(name: str) -> str:
    """The upload's own file name without any folder part, for the batch record.

    >>> safe_name("../../etc/雨水箅子.zip")
    '雨水箅子.zip'
    """
    base = PurePosixPath(name.replace("\\", "/")).name
    base = "".join(c for c in base if c.isprintable())[-120:].lstrip(".")
    if not base or not Path(base).suffix:
        raise InvalidInput(f"the uploaded file needs a name with a suffix, got {name!r}")
    return base


def expected_kinds(name: str) -> tuple[str, ...]:
    """The content kinds allowed for a file of this name; InvalidInput for other suffixes."""
    suffix = Path(name).suffix.lower()
    if suffix in (".shp", ".dbf", ".shx"):
        raise InvalidInput("upload a shapefile as one .zip holding its .shp, .shx, .dbf, "
                           ".prj (and .cpg) files")
    if suffix not in ACCEPTED:
        raise InvalidInput(f"{name}: {suffix} files cannot be imported; send one of "
                           f"{', '.join(sorted(ACCEPTED))}")
    return ACCEPTED[suffix]


def content_kind(head: bytes) -> str:
    """What the first bytes of a file say it is."""
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    text = head.lstrip(b"".join(BOMS)).lstrip()
    if text[:1] in (b"{", b"["):
        return "JSON"
    if text[:1] == b"<":
        return "XML"
    return "binary data" if b"\x00" in head else "text"


def check_upload(path: Path, name: str) -> None:
    """InvalidInput unless the file at `path` holds what `name` promises, safely."""
    allowed = expected_kinds(name)
    with open(path, "rb") as stream:
        head = stream.read(HEAD_BYTES)
    if not head:
        raise InvalidInput(f"{name}: the file is empty")
    found = content_kind(head)
    if found not in allowed:
        raise InvalidInput(f"{name}: the name says {' or '.join(allowed)}, "
                           f"but the content is {found}; refused")
    if found == "XML":
        check_prolog(head, name)


def check_prolog(head: bytes, name: str) -> None:
    """Refuse a DOCTYPE or ENTITY declaration before the root element."""
    root = ROOT_ELEMENT.search(head)
    prolog = head[:root.start()] if root else head
    if DTD.search(prolog):
        raise InvalidInput(f"{name}: XML with a document type or entity declarations "
                           "is not accepted (survey files need none)")
    if root is None:
        raise InvalidInput(f"{name}: no XML element in the first {HEAD_BYTES >> 10} KiB")
