"""`importers.archives` against hostile zips: traversal, links, bombs, lying sizes."""
from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path

import pytest

from importers.archives import extract_survey
from registry.errors import InvalidInput


def write_zip(path: Path, members: dict[str | zipfile.ZipInfo, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("member, message", [
    ("../../etc/cron.d/x.csv", "points outside the archive"),
    ("/etc/passwd.csv", "points outside the archive"),
    ("..\\..\\windows.csv", "points outside the archive"),
    ("C:/evil.csv", "points outside the archive"),
])
def test_members_that_escape_are_refused(tmp_path: Path, member: str, message: str) -> None:
    archive = write_zip(tmp_path / "s.zip", {member: b"id,lon,lat\n"})
    with pytest.raises(InvalidInput, match=message):
        extract_survey(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


def test_links_are_refused(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "s.zip", {link("a.csv"): b"/etc/passwd"})
    with pytest.raises(InvalidInput, match="is a link"):
        extract_survey(archive, tmp_path / "out")


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "s.zip", {"a.csv": b"0" * (100 << 20)})
    with pytest.raises(InvalidInput, match="refused"):
        extract_survey(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_member_lying_about_its_size_is_refused_clearly(tmp_path: Path) -> None:
    data = bytearray((write_zip(tmp_path / "s.zip", {"a.csv": b"1,2,3\n" * 100_000})).read_bytes())
    for header, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(header) + offset
        data[at:at + 4] = struct.pack("<I", 100)
    archive = tmp_path / "liar.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(InvalidInput):
        extract_survey(archive, tmp_path / "out")
