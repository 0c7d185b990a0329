"""Backups and copies leave the auth store behind unless asked (`--with-auth`), backups are
created 0600, and a restore refuses a backup carrying a trigger, view or function the
registry does not make — on both backends."""
from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

import registry
from auth_helpers import PASSWORD, make_city
from backends import only_gpkg, only_postgis
from registry import auth_store
from registry.backup import auth_backup_path
from registry.users import Users
from web.cli.backup import backup
from web.cli.copy import copy
from web.cli.restore import restore


def run(command, *args: str):
    return CliRunner().invoke(command, [str(a) for a in args])


def can_log_in(url: str, name: str = "admin") -> bool:
    reg = registry.open(url)
    try:
        return Users(reg).authenticate(name, PASSWORD).user is not None
    finally:
        reg.close()


@only_gpkg
def test_a_backup_is_private_and_carries_no_login(registry_url: str, tmp_path: Path) -> None:
    make_city(registry_url)
    target = tmp_path / "city-backup.gpkg"
    assert run(backup, "-r", registry_url, target).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not auth_backup_path(target).exists()
    assert b"scrypt:" not in target.read_bytes()
    with_auth = tmp_path / "with-auth.gpkg"
    done = run(backup, "-r", registry_url, with_auth, "--with-auth")
    assert done.exit_code == 0, done.output
    saved = auth_backup_path(with_auth)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and b"scrypt:" in saved.read_bytes()


@only_gpkg
def test_restore_with_auth_puts_the_accounts_back(registry_url: str, tmp_path: Path) -> None:
    make_city(registry_url)
    target = tmp_path / "saved.gpkg"
    run(backup, "-r", registry_url, target, "--with-auth")
    reg = registry.open(registry_url)
    Users(reg).set_password("admin", "changed-after-the-backup", by="admin")
    reg.close()
    assert run(restore, "-r", registry_url, target, "--yes").exit_code == 0
    assert not can_log_in(registry_url)  # the live accounts stayed
    assert run(restore, "-r", registry_url, target, "--yes", "--with-auth").exit_code == 0
    assert can_log_in(registry_url)


def test_copy_leaves_the_auth_store_unless_asked(new_location) -> None:
    source, plain, full = new_location(), new_location(), new_location()
    make_city(source)
    assert run(copy, "-r", source, plain).exit_code == 0
    reg = registry.open(plain)
    assert Users(reg).all() == [] and auth_store.for_registry(reg).all("secret") == []
    reg.close()
    copied = run(copy, "-r", source, full, "--with-auth")
    assert copied.exit_code == 0, copied.output
    assert can_log_in(full, "crew1")


@only_gpkg
def test_restore_refuses_a_planted_trigger_or_view(registry_url: str, tmp_path: Path) -> None:
    make_city(registry_url)
    for plant in ("CREATE TRIGGER wipe AFTER INSERT ON registry_journal BEGIN "
                  "DELETE FROM drains; END",
                  "CREATE VIEW everyone AS SELECT * FROM drains",
                  'DROP TRIGGER "rtree_drains_geom_insert"; CREATE TRIGGER '
                  '"rtree_drains_geom_insert" AFTER INSERT ON drains BEGIN SELECT 1; END'):
        target = tmp_path / f"planted-{abs(hash(plant))}.gpkg"
        run(backup, "-r", registry_url, target)
        with closing(sqlite3.connect(target)) as conn:
            conn.executescript(plant)
        refused = run(restore, "-r", registry_url, target, "--yes")
        assert refused.exit_code == 1
        assert "carries what no Infracensus registry makes (refused)" in refused.output
    clean = tmp_path / "clean.gpkg"
    run(backup, "-r", registry_url, clean)
    assert run(restore, "-r", registry_url, clean, "--yes").exit_code == 0


@only_postgis
def test_restore_refuses_a_dump_with_a_planted_trigger(registry_url: str,
                                                       tmp_path: Path) -> None:
    make_city(registry_url)
    clean = tmp_path / "clean.dump"
    assert run(backup, "-r", registry_url, clean).exit_code == 0
    assert stat.S_IMODE(clean.stat().st_mode) == 0o600
    with psycopg.connect(registry_url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION sneaky() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN DELETE FROM drains; RETURN NULL; END $$")
        conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON registry_journal "
                     "FOR EACH STATEMENT EXECUTE FUNCTION sneaky()")
    planted = tmp_path / "planted.dump"
    assert run(backup, "-r", registry_url, planted).exit_code == 0
    refused = run(restore, "-r", registry_url, planted, "--yes")
    assert refused.exit_code == 1, refused.output
    assert "function sneaky" in refused.output and "trigger sneaky" in refused.output
    restored = run(restore, "-r", registry_url, clean, "--yes")
    assert restored.exit_code == 0, restored.output
    with psycopg.connect(registry_url) as conn:
        assert conn.execute("SELECT count(*) FROM drains").fetchone()[0] == 20
    assert can_log_in(registry_url)  # the live auth store stayed


@only_postgis
def test_a_postgis_dump_leaves_the_auth_schema_unless_asked(registry_url: str,
                                                            tmp_path: Path) -> None:
    from registry.postgis_backup import run_tool
    make_city(registry_url)
    plain, full = tmp_path / "plain.dump", tmp_path / "full.dump"
    run(backup, "-r", registry_url, plain)
    run(backup, "-r", registry_url, full, "--with-auth")
    assert auth_store.SCHEMA not in run_tool("pg_restore", "--list", str(plain))
    assert auth_store.SCHEMA in run_tool("pg_restore", "--list", str(full))


@pytest.mark.parametrize("text", ["CREATE OR REPLACE VIEW v AS SELECT 1;",
                                  "DO $$ BEGIN PERFORM 1; END $$;",
                                  "ALTER TABLE registry_journal DISABLE TRIGGER ALL;",
                                  "\\! rm -rf /"])
def test_code_in_a_dump_script_is_named(text: str) -> None:
    from registry.restore_check import postgis_strangers
    assert postgis_strangers(f"SET x = 1;\n{text}\n")
    assert postgis_strangers("COPY drains (a) FROM stdin;\n\\N\tDO it\n\\.\n") == []
