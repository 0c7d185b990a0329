"""`infracensus backup` and `infracensus restore` while a writer writes and the app serves, on
either backend (a GeoPackage file copy; a PostGIS dump): the backup is one consistent moment,
the restore one atomic swap, and nobody fails."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

import registry
from robust_city import integrity, make_city, python
from web.app import create_app
from web.cli.backup import backup
from web.cli.restore import restore
from open_access import OPEN

#: Saves a plan and its journal entry in one transaction, and edits an asset, until told to stop.
WRITER = """
import sys, pathlib, registry
from registry import Change
reg = registry.open(sys.argv[1])
uuid = reg.query(layer="drains")["uuid"].iloc[0]
i = 0
while not pathlib.Path(sys.argv[2]).exists():
    with reg.transaction():
        reg.save_document("plan", f"P{i:05d}", {"n": i}, Change(who="writer"))
        reg.append_journal("plan", f"P{i:05d}", {"n": i}, Change(who="writer"))
        reg.update(uuid, {"depth_m": 1 + i % 7}, change=Change(who="writer"))
    i += 1
print(i, flush=True)
"""


def plans(url: str) -> tuple[list[str], list[str]]:
    """Keys of the saved plans and of their journal entries."""
    reg = registry.open(url)
    try:
        return ([d["key"] for d in reg.documents("plan")],
                sorted(j["key"] for j in reg.journal("plan")))
    finally:
        reg.close()


def wait_for_plans(url: str, at_least: int) -> None:
    while len(plans(url)[0]) < at_least:
        time.sleep(0.05)


def serve_reads(city: str, stop: threading.Event, failures: list[int]) -> None:
    client = create_app({"REGISTRY": city, "TESTING": True, **OPEN}).test_client()
    while not stop.is_set():
        status = client.get("/ogcapi/collections/drains/items?limit=20").status_code
        if status != 200:
            failures.append(status)


def backup_file(backend: str, folder: Path) -> Path:
    return folder / ("copy.gpkg" if backend == "gpkg" else "city.dump")


def readable(backup: Path, new_location: Callable[[], str]) -> str:
    """The backup as a registry one can read: the GeoPackage itself, or a PostGIS dump
    restored into a new database."""
    if backup.suffix == ".gpkg":
        assert integrity(str(backup)) == "ok" and not Path(f"{backup}.partial").exists()
        return str(backup)
    url = new_location()
    put_back = CliRunner().invoke(restore, ["-r", url, str(backup), "--yes"])
    assert put_back.exit_code == 0, put_back.output
    return url


@pytest.mark.slow
def test_backup_and_restore_while_writing_and_serving(backend: str,
                                                       new_location: Callable[[], str],
                                                       tmp_path: Path) -> None:
    city, copy = make_city(new_location()), backup_file(backend, tmp_path)
    stop_file = tmp_path / "stop"
    writer = python(WRITER, city, str(stop_file))
    stop, failures = threading.Event(), []
    reader = threading.Thread(target=serve_reads, args=(city, stop, failures))
    reader.start()
    try:
        wait_for_plans(city, 20)
        made = CliRunner().invoke(backup, ["-r", city, str(copy)])
        assert made.exit_code == 0, made.output
        saved, journal = plans(readable(copy, new_location))
        assert saved == journal and len(saved) >= 20  # one moment: each plan with its entry
        wait_for_plans(city, len(saved) + 20)
        put_back = CliRunner().invoke(restore, ["-r", city, str(copy), "--yes"])
        assert put_back.exit_code == 0, put_back.output
    finally:
        stop_file.touch()
        stop.set()
        reader.join()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert failures == []
    docs, journal = plans(city)
    assert docs == journal and integrity(city) == "ok"
    assert set(saved) <= set(docs) and len(docs) < int(out)  # plans between the two are gone
    reg = registry.open(city)
    assert reg.count(layer="drains") == 50
    reg.close()


def test_restore_refuses_what_is_not_a_registry_backup(registry_url: str,
                                                       tmp_path: Path) -> None:
    city = make_city(registry_url)
    other = tmp_path / "other.gpkg"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    answer = CliRunner().invoke(restore, ["-r", city, str(other), "--yes"])
    assert answer.exit_code == 1
    assert answer.output == "Error: other.gpkg is not an Infracensus registry backup\n"
    assert plans(city) == ([], [])


def test_backup_never_overwrites(registry_url: str, tmp_path: Path) -> None:
    city, earlier = make_city(registry_url), tmp_path / "city-2026-03-01.bak"
    earlier.write_bytes(b"yesterday's backup")
    answer = CliRunner().invoke(backup, ["-r", city, str(earlier)])
    assert answer.exit_code == 1 and "already exists" in answer.output
    assert earlier.read_bytes() == b"yesterday's backup"
