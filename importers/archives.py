"""Unpack a zipped survey safely and find the dataset inside it.

Contractors zip shapefiles with their sidecars, often with Chinese file names that Windows
stores in GBK without the zip's UTF-8 flag. Extraction refuses absolute paths and ``..``
(path traversal), links, and archives whose unpacked size or compression ratio is absurd
(zip bombs). The same size rule (`check_unpacked`) covers every zip-based format, Excel
workbooks included; the web upload passes its own, lower `ZipLimits`.

>>> extract_survey(Path("survey.zip"), Path("/tmp/unpacked"))   # doctest: +SKIP
(PosixPath('/tmp/unpacked/路灯.shp'), None)
"""
from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from registry.errors import InvalidInput, LimitExceeded

MAX_UNPACKED_BYTES = 4 << 30
MAX_MEMBERS = 10_000
#: Survey data compresses well (blank-padded .dbf fields ~50x), but not 500-fold.
MAX_RATIO = 500
#: Files a survey can be read from; shapefile sidecars (.dbf, .prj ...) ride along.
DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".kml", ".gml", ".dxf",
                    ".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
UTF8_FLAG = 0x800
#: Formats that are zip archives inside: the size rule applies to them as to a .zip.
ZIP_CONTAINERS = (".zip", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class ZipLimits:
    """How large a zip-based file may unpack: total bytes, members, compression ratio."""

    unpacked_bytes: int = MAX_UNPACKED_BYTES
    members: int = MAX_MEMBERS
    ratio: float = MAX_RATIO


def extract_survey(archive: Path, target: Path, layer_name: str | None = None,
                   limits: ZipLimits = ZipLimits()) -> tuple[Path, str | None]:
    """Extract ``archive`` into ``target``; return (dataset path, layer name left to use).

    ``layer_name`` may name a file inside the archive (``'wells.shp'`` or ``'wells'``); it is
    then used up, otherwise it is passed on to choose a layer inside the dataset.
    """
    with open_archive(archive) as zipped:
        members = safe_members(archive, zipped, limits)
        for member in members:
            try:
                extract(zipped, member, target / member_name(member))
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                # A member whose data does not match its header (size, CRC) is damaged or forged.
                raise InvalidInput(f"{archive.name}: member {member.filename!r} cannot be "
                                   f"read, a damaged or forged zip ({exc})") from None
    datasets = sorted(p for p in target.rglob("*") if is_dataset(p, target))
    return choose_dataset(archive, datasets, target, layer_name)


def open_archive(archive: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{archive.name}: not a readable zip archive ({exc})") from None


def safe_members(archive: Path, zipped: zipfile.ZipFile,
                 limits: ZipLimits = ZipLimits()) -> list[zipfile.ZipInfo]:
    """The file members, after refusing anything that could escape or flood the target."""
    members = check_unpacked(archive, zipped, limits)
    for member in members:
        check_member(archive, member)
    return members


def check_unpacked(archive: Path, zipped: zipfile.ZipFile,
                   limits: ZipLimits = ZipLimits()) -> list[zipfile.ZipInfo]:
    """The file members; LimitExceeded when they are too many or unpack too large.

    Declared sizes are what is checked: a member whose data runs past its declared size
    fails its read (zipfile stops there and checks the CRC), it never floods anything.
    """
    members = [m for m in zipped.infolist() if not m.is_dir()]
    if len(members) > limits.members:
        raise LimitExceeded(f"{archive.name}: {len(members):,} files is more than a survey "
                            f"holds (limit {limits.members:,}); refused")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > limits.unpacked_bytes or total / packed > limits.ratio:
        raise LimitExceeded(f"{archive.name}: unpacks to {total:,} bytes from {packed:,}; "
                            f"refused (limits: {limits.unpacked_bytes:,} bytes unpacked, "
                            f"{limits.ratio:g}x compression)")
    return members


def check_zip(path: Path, limits: ZipLimits = ZipLimits()) -> None:
    """Apply the size rule to a zip-based file (.zip, .xlsx, .xlsm) without unpacking it.

    >>> check_zip(Path("tiny.xlsx"), ZipLimits(unpacked_bytes=1 << 20))   # doctest: +SKIP
    """
    with open_archive(path) as zipped:
        check_unpacked(path, zipped, limits)


def check_member(archive: Path, member: zipfile.ZipInfo) -> None:
    name = PurePosixPath(member_name(member).replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or ":" in name.parts[0]:
        raise InvalidInput(f"{archive.name}: member {member.filename!r} points outside "
                           f"the archive; refused")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise InvalidInput(f"{archive.name}: member {member.filename!r} is a link; refused")


def member_name(member: zipfile.ZipInfo) -> str:
    """The member's real name: without the UTF-8 flag, zipfile decoded it as cp437, but
    Chinese Windows wrote GBK.

    >>> info = zipfile.ZipInfo("路灯.shp".encode("gbk").decode("cp437"))
    >>> member_name(info)
    '路灯.shp'
    """
    if member.flag_bits & UTF8_FLAG:
        return member.filename
    raw = member.filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return member.filename


def extract(zipped: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path) -> None:
    """Copy one member; zipfile stops at the declared size, which safe_members bounded."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipped.open(member) as source, open(destination, "wb") as sink:
        shutil.copyfileobj(source, sink)


def is_dataset(path: Path, root: Path) -> bool:
    hidden = any(part.startswith((".", "__MACOSX")) for part in path.relative_to(root).parts)
    return path.is_file() and not hidden and path.suffix.lower() in DATASET_SUFFIXES


def choose_dataset(archive: Path, datasets: list[Path], root: Path,
                   wanted: str | None) -> tuple[Path, str | None]:
    """The one dataset in the archive, or the one ``wanted`` names; else a clear error."""
    if wanted is not None:
        named = [p for p in datasets if wanted in (p.name, p.stem, str(p.relative_to(root)))]
        if len(named) == 1:
            return named[0], None
    if len(datasets) == 1:
        return datasets[0], wanted
    listed = ", ".join(str(p.relative_to(root)) for p in datasets) or "none"
    raise InvalidInput(f"{archive.name} holds {len(datasets)} readable datasets ({listed}); "
                       f"choose one with layer_name=")
