"""The delivered survey file, archived with its batch: the exact bytes, under their checksum.

A file goes in as it came (``packing = "file"``: a GeoPackage, CSV, zip ...); a shapefile is
several files, so its parts and every sidecar beside it with the same name (.shp .shx .dbf
.prj .cpg, .sbn, .shp.xml ...) go in one zip (``packing = "shapefile.zip"``). Either way the
checksum the batch records (`importers.sources.checksum`) is checked against what is stored
before it is stored, and again when it is taken out: an archive that does not give back the
delivered bytes is refused, never used.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "d.csv").write_text("编号,备注\\nD1,松动\\n", encoding="utf-8")
>>> record = pack(folder / "d.csv", checksum(folder / "d.csv"))
>>> record["packing"], record["size"], unpack(record, folder / "out").read_bytes() == record["content"]
('file', 24, True)
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from importers.sources import checksum
from registry.change import iso, utc_now
from registry.errors import InvalidInput, StorageError

FILE, SHAPEFILE_ZIP = "file", "shapefile.zip"


def pack(path: Path, expected: str) -> dict[str, Any]:
    """The archive record of a delivered file (`Storage.archive_file`); InvalidInput if its
    bytes no longer have the checksum read (the file changed while it was imported)."""
    if path.suffix.lower() == ".shp":
        packing, content = SHAPEFILE_ZIP, _zip(shapefile_parts(path))
    else:
        packing, content = FILE, path.read_bytes()
    record = {"checksum": expected, "file_name": path.name, "packing": packing,
              "size": len(content), "content": content, "archived_at": iso(utc_now())}
    if content_checksum(record) != expected:
        raise InvalidInput(f"{path.name}: the file changed while it was being imported; "
                           "import it again")
    return record


def shapefile_parts(path: Path) -> list[Path]:
    """The shapefile's own parts and sidecars: every file beside it named ``stem.*``.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("a.shp", "a.dbf", "a.shp.xml", "ab.dbf"): _ = (folder / name).write_bytes(b"")
    >>> [p.name for p in shapefile_parts(folder / "a.shp")]
    ['a.dbf', 'a.shp', 'a.shp.xml']
    """
    stem = path.name[: -len(path.suffix)].lower() + "."
    return sorted(p for p in path.parent.iterdir()
                  if p.is_file() and p.name.lower().startswith(stem))


def _zip(parts: list[Path]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.write(part, part.name)
    return out.getvalue()


def unpack(record: dict[str, Any], folder: Path) -> Path:
    """Write the archived file (and a shapefile's parts) into `folder`; the path to import.
    StorageError if the bytes do not give back the batch's checksum."""
    path = _write_out(record, folder)
    if checksum(path) != record["checksum"]:
        raise StorageError(f"the archived {record['file_name']} does not match its checksum "
                           f"{record['checksum'][:12]}…: the archive is damaged")
    return path


def content_checksum(record: dict[str, Any]) -> str:
    """The checksum of what an archive record holds, computed as the import computed it."""
    with tempfile.TemporaryDirectory(prefix="infracensus-archive-") as folder:
        return checksum(_write_out(record, Path(folder)))


def _write_out(record: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    content = bytes(record["content"])
    if record["packing"] == SHAPEFILE_ZIP:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.namelist():  # flat: a part's name only, never a path
                (folder / Path(member).name).write_bytes(archive.read(member))
    else:
        (folder / Path(record["file_name"]).name).write_bytes(content)
    return folder / Path(record["file_name"]).name
