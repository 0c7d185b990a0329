"""Online, consistent backups of a registry and restoring them, while the application serves.

A GeoPackage is copied with SQLite's backup API in one step: the copy is the database as
of one moment (WAL readers do not block writers meanwhile), checked with
``PRAGMA integrity_check`` and only then renamed into place, so a half-written backup never
carries the final name. Restoring copies a checked backup into the live file the same way,
under SQLite's write lock: readers see the old registry or the restored one, never a mix;
a writer waits (busy timeout) and goes on against the restored registry. A PostGIS registry
is dumped with ``pg_dump`` and restored in one transaction the same way
(`registry.postgis_backup`).

Neither carries the auth store (accounts, tokens, keys) unless asked (``with_auth``): then a
GeoPackage backup ``x.gpkg`` gets ``x.auth.sqlite`` beside it and a PostGIS dump includes
the auth schema. Backups are created mode 0600. A restore refuses a backup with triggers,
views or functions the registry does not make (`registry.restore_check`).

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

from registry import auth_store, postgis_backup
from registry.errors import Conflict, InvalidInput, StorageError
from registry.restore_check import gpkg_strangers
from registry.storage.gpkg_connection import create_private
from registry.storage.gpkg_schema import APPLICATION_ID

#: How long a restore waits for the live registry's writers to let go.
BUSY_MS = 60_000


def is_postgis(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def auth_backup_path(target: str | Path) -> Path:
    """Where a GeoPackage backup's auth store goes: ``x.gpkg`` → ``x.auth.sqlite``."""
    target = Path(target)
    return target.with_name(target.stem + auth_store.SUFFIX)


def backup(url: str | Path, target: str | Path, *, with_auth: bool = False) -> Path:
    """Copy the registry at `url` to the new file `target` (mode 0600); Conflict if it
    exists. The auth store goes along only `with_auth`."""
    target = Path(target)
    if target.exists() or (with_auth and auth_backup_path(target).exists()):
        raise Conflict(f"{target} already exists; choose a new file for the backup")
    _move_secrets_out(str(url))
    if is_postgis(str(url)):
        create_private(str(target))
        postgis_backup.dump(str(url), target, with_auth=with_auth)
        return target
    _backup_file(str(url), target, check=True)
    if with_auth:
        _backup_file(auth_store.location(str(url)), auth_backup_path(target), check=False)
    return target


def _move_secrets_out(url: str) -> None:
    """Opening the registry moves an older release's secrets out, so no backup holds them."""
    from registry.api import open as open_registry  # registry.api is heavy: only when used
    open_registry(url).close()


def _backup_file(source: str, target: Path, *, check: bool) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(str(partial))
    _copy(_connect(source, must_exist=True), partial)
    if check:
        check_backup(partial)
    os.replace(partial, target)


def restore(source: str | Path, url: str | Path, *, with_auth: bool = False) -> None:
    """Replace the registry at `url` by the backup `source`, as one atomic write; with
    `with_auth` its auth store too (from the backup's own, which must exist)."""
    if is_postgis(str(url)):
        postgis_backup.restore(Path(source), str(url), with_auth=with_auth)
        return
    check_backup(Path(source))
    saved_auth = auth_backup_path(source)
    if with_auth and not saved_auth.is_file():
        raise InvalidInput(f"{saved_auth.name} is not beside {Path(source).name}: this backup "
                           "was made without --with-auth")
    _restore_file(str(source), str(url))
    if with_auth:
        _restore_file(str(saved_auth), auth_store.location(str(url)))


def _restore_file(source: str, url: str) -> None:
    create_private(url)
    saved, live = _connect(source, must_exist=True), _connect(url, must_exist=False)
    try:
        live.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        saved.backup(live)
        _check_integrity(live, url)
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
        strangers = gpkg_strangers(conn)
        if strangers:
            raise InvalidInput(f"{path.name} carries what no Infracensus registry makes "
                               f"(refused): {', '.join(strangers[:10])}")
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

