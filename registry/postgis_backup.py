"""Backups of a PostGIS registry with ``pg_dump``, and restoring one in place while the
application serves.

``pg_restore --clean --single-transaction`` alone cannot restore a registry in use: it drops
the tables one at a time while writers hold some of them, so a writer and the restore
deadlock and one of them fails; it also drops and re-creates the postgis extension, which
only a superuser may do and which takes every geometry column with it. So the restore first
takes every table of the registry at once (``LOCK TABLE … NOWAIT``, retried until writers
let go, never waiting while holding any), then replays the dump's own objects — not the
extension — in the same transaction. Readers and writers wait, then go on against the
restored registry; they never see a mix.

>>> restore("city-2026-03-01.dump", "postgresql://census@db/city")   # doctest: +SKIP
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from registry.auth_store import SCHEMA as AUTH_SCHEMA
from registry.errors import InvalidInput, StorageError
from registry.restore_check import postgis_strangers

#: Auth stores' schemas end so (`registry.auth_store.schema_for`); dumps leave them out.
AUTH_SUFFIX = "_auth"
#: The table every registry has; a dump without it is not a registry backup.
SETTINGS_ENTRY = "TABLE public infracensus_settings"
#: Dump entries left out of a restore: the live database keeps its own PostGIS.
KEEP_LIVE = (" EXTENSION ", "TABLE DATA public spatial_ref_sys")
#: Takes every table of the registry in one go or none (so it never deadlocks a writer),
#: retrying for about a minute while writers are inside their transactions.
LOCK_ALL = """
CREATE EXTENSION IF NOT EXISTS postgis;
DO $$
DECLARE
    tables text;
BEGIN
    SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') INTO tables
      FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'spatial_ref_sys';
    IF tables IS NULL THEN
        RETURN;
    END IF;
    FOR attempt IN 1..600 LOOP
        BEGIN
            EXECUTE 'LOCK TABLE ' || tables || ' IN ACCESS EXCLUSIVE MODE NOWAIT';
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.1);
        END;
    END LOOP;
    RAISE EXCEPTION 'the registry stayed busy for a minute; nothing was restored, try again';
END $$;
"""


def dump(url: str, target: Path, *, with_auth: bool = False) -> None:
    """A consistent snapshot of the database at `url` in pg_dump's custom format; the auth
    store's schema (logins, tokens, keys) only `with_auth`."""
    leave_out = [] if with_auth else [f"--exclude-schema={AUTH_SCHEMA}",
                                      f"--exclude-schema=*{AUTH_SUFFIX}"]
    run_tool("pg_dump", "--format=custom", *leave_out, f"--file={target}", url)


def restore(source: Path, url: str, *, with_auth: bool = False) -> None:
    """Replace the registry at `url` by the dump `source`, in one transaction; InvalidInput,
    with nothing written, if the dump carries code the registry does not make. The live
    auth store is kept unless `with_auth` (and the dump has one)."""
    entries = [line for line in check_dump(source).splitlines()
               if not any(part in line for part in KEEP_LIVE)
               and (with_auth or not re.search(rf"\s\w+{AUTH_SUFFIX}\s", line))]
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "entries.list"
        listing.write_text("\n".join(entries) + "\n", encoding="utf-8")
        script = run_tool("pg_restore", "--clean", "--if-exists", "--no-owner",
                          f"--use-list={listing}", "--file=-", str(source))
    strangers = postgis_strangers(script)
    if strangers:
        raise InvalidInput(f"{source.name} carries what no Infracensus registry makes "
                           f"(refused): {', '.join(strangers[:10])}")
    run_tool("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             f"--dbname={url}", "--file=-", stdin=LOCK_ALL + script)


def check_dump(source: Path) -> str:
    """The dump's table of contents; InvalidInput unless it is a registry's pg_dump."""
    try:
        contents = run_tool("pg_restore", "--list", str(source))
    except StorageError:
        contents = ""
    if SETTINGS_ENTRY not in contents:
        raise InvalidInput(f"{source.name} is not an Infracensus registry backup")
    return contents


def run_tool(tool: str, *args: str, stdin: str | None = None) -> str:
    """Run a PostgreSQL client tool and return its output; StorageError with its first
    error line if it fails."""
    if shutil.which(tool) is None:
        raise StorageError(f"{tool} is not installed (apt-get install postgresql-client)")
    done = subprocess.run([tool, *args], input=stdin, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no message"]
        first = next((line for line in lines if "ERROR" in line or "error:" in line), lines[-1])
        raise StorageError(f"{tool} failed: {first}")
    return done.stdout
