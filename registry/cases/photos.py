"""Photos taken with a report, kept small and stored with the case.

Beside a GeoPackage registry they are files in ``<registry>.files/cases/<case id>/`` (the
GeoPackage stays lean and QGIS-friendly, and the folder is copied with it); on PostGIS, whose
server may be another machine, they are base64 text inside the case document. Either way the
case lists each photo as {name, type, size} and `read` returns its bytes. Only JPEG, PNG and
WebP up to 1 MB each, at most 6 per case: a handheld terminal's compressed picture is smaller.

>>> kind_of(b"\\x89PNG\\r\\n\\x1a\\n....")
'image/png'
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from registry.errors import InvalidInput, NotFound

MAX_BYTES = 1_000_000
MAX_PHOTOS = 6
_SUFFIX = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True)
class Photo:
    """A photo as received: its bytes and the name it came with."""

    content: bytes
    name: str = "photo"


def kind_of(content: bytes) -> str:
    """The image type read from the first bytes; InvalidInput for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput("a photo must be a JPEG, PNG or WebP image")


class PhotoStore:
    """Where the photos of a registry's cases are kept (see the module docstring)."""

    def __init__(self, registry_url: str) -> None:
        inline = registry_url.startswith(("postgresql:", "postgres:"))
        self.folder = None if inline else Path(registry_url + ".files") / "cases"

    def save(self, case_id: str, photos: Sequence[Photo]) -> list[dict[str, Any]]:
        """Check and keep the photos of a new case; returns their entries for the case."""
        if len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"at most {MAX_PHOTOS} photos per report, got {len(photos)}")
        entries = [self._entry(case_id, i, photo) for i, photo in enumerate(photos)]
        for entry, photo in zip(entries, photos):
            if self.folder is None:
                entry["data"] = base64.b64encode(photo.content).decode()
            else:
                path = self.folder / case_id / entry["file"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(photo.content)
        return entries

    def _entry(self, case_id: str, index: int, photo: Photo) -> dict[str, Any]:
        if len(photo.content) > MAX_BYTES:
            raise InvalidInput(f"photo {photo.name!r} is {len(photo.content)} bytes; "
                               f"at most {MAX_BYTES} (resize it on the terminal)")
        kind = kind_of(photo.content)
        return {"name": photo.name, "type": kind, "size": len(photo.content),
                "file": f"{index + 1}.{_SUFFIX[kind]}"}

    def read(self, case_id: str, entry: dict[str, Any]) -> bytes:
        """The bytes of one photo of a case."""
        if "data" in entry:
            return base64.b64decode(entry["data"])
        path = (self.folder or Path()) / case_id / entry["file"]
        if not path.is_file():
            raise NotFound(f"photo {entry['file']} of case {case_id} is missing from {path.parent}")
        return path.read_bytes()

    def discard(self, case_id: str) -> None:
        """Remove the files of a case whose report failed to save."""
        if self.folder is not None:
            for path in (self.folder / case_id).glob("*"):
                path.unlink()
