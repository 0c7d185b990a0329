"""Online, consistent backups of a registry and restoring them, while the application serves.

A GeoPackage is copied with SQLite's backup API in one step: the copy is the database as
of one moment (WAL readers do not block writers meanwhile), checked with
``PRAGMA integrity_check`` and only then renamed into place, so a half-written backup never
carries the final name. Restoring copies a checked backup into the live file the same way,
under SQLite's write lock: readers see the old registry or the restored one, never a mix;
a writer waits (busy timeout) and goes on against the restored registry. A PostGIS registry
is dumped with ``pg_dump`` and restored in one transaction the same way
(`registry.postgis_backup`).

>>> import tempfile
>>> from registry import create
>>> folder = tempfile.mkdtemp()
>>> create(folder + "/city.gpkg", county="130102").close()
>>> backup(folder + "/city.gpkg", folder + "/copy.gpkg").name
'copy.gpkg'
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from registry import postgis_backup
from registry.errors import Conflict, InvalidInput, StorageError
from registry.storage.gpkg_schema import APPLICATION_ID

#: How long a restore waits for the live registry's writers to let go.
BUSY_MS = 60_000


def is_postgis(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def backup(url: str | Path, target: str | Path) -> Path:
    """Copy the registry at `url` to the new file `target`; Conflict if it exists."""
    target = Path(target)
    if target.exists():
        raise Conflict(f"{target} already exists; choose a new file for the backup")
    if is_postgis(str(url)):
        postgis_backup.dump(str(url), target)
        return target
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(_connect(str(url), must_exist=True), partial)
    check_backup(partial)
    os.replace(partial, target)
    return target


def restore(source: str | Path, url: str | Path) -> None:
    """Replace the registry at `url` by the backup `source`, as one atomic write."""
    if is_postgis(str(url)):
        postgis_backup.restore(Path(source), str(url))
        return
    check_backup(Path(source))
    saved, live = _connect(str(source), must_exist=True), _connect(str(url), must_exist=False)
    try:
        live.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        saved.backup(live)
        _check_integrity(live, str(url))
    finally:
        saved.close()
        live.close()


def check_backup(path: Path) -> None:
    """InvalidInput unless `path` is an intact Infracensus GeoPackage."""
    conn = _connect(str(path), must_exist=True)
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise InvalidInput(f"{path.name} is not an Infracensus registry backup")
        _check_integrity(conn, path.name)
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path.name} is not a readable GeoPackage ({exc})") from None
    finally:
        conn.close()


def _copy(source: sqlite3.Connection, target: Path) -> None:
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: one step, one snapshot
        # A backup is one self-contained file: no -wal beside it to lose in transit.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()


def _check_integrity(conn: sqlite3.Connection, name: str) -> None:
    found = conn.execute("PRAGMA integrity_check").fetchall()
    if found != [("ok",)]:
        raise StorageError(f"{name} fails its integrity check: {found[0][0]}")


def _connect(path: str, *, must_exist: bool) -> sqlite3.Connection:
    if must_exist and not Path(path).is_file():
        raise StorageError(f"{path}: no such registry file")
    return sqlite3.connect(path, timeout=BUSY_MS / 1000)

