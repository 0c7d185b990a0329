"""kill -9 in the middle of a large import and of a multi-step write loses nothing and
half-writes nothing, on either backend: the registry is exactly as before and passes its
integrity check. Killing SQLite while it writes its commit to the WAL is GeoPackage-only."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import registry
from backends import only_gpkg
from robust_city import fingerprint, integrity, make_city, python, write_survey

ROWS = 200_000
#: Runs the `infracensus import` command itself (the click command, not a re-implementation).
IMPORT = ("from web.cli.import_cmd import import_survey; "
          "import_survey(prog_name='infracensus import')")
MULTI_STEP = """
import sys, time, registry
from registry import Change
reg = registry.open(sys.argv[1])
uuids = reg.query(layer="drains")["uuid"].tolist()
with reg.transaction():
    for i, uuid in enumerate(uuids):
        reg.update(uuid, {"depth_m": 9.9}, change=Change(who="doomed"))
        if i == 10:
            reg.save_document("case", "C-1", {"state": "dispatched"}, Change(who="doomed"))
            reg.append_journal("case", "C-1", {"to": "dispatched"}, Change(who="doomed"))
            print("halfway", flush=True)
            time.sleep(60)
"""


def kill_when(child, marker: str, stream: str = "stderr") -> None:
    """SIGKILL the child as soon as `marker` appears in its output."""
    source = getattr(child, stream)
    for line in source:
        if marker in line:
            break
    else:
        pytest.fail(f"the child ended without saying {marker!r}: {child.stderr.read()[-2000:]}")
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL


def kill_when_wal_grows(child, wal: Path) -> None:
    """SIGKILL the child as soon as SQLite starts writing its commit to the WAL file."""
    while child.poll() is None and not (wal.exists() and wal.stat().st_size > 0):
        time.sleep(0.001)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)


def start_import(url: str, folder: Path) -> tuple[str, subprocess.Popen]:
    """The registry's fingerprint, and `infracensus import` of a large survey into it."""
    city = make_city(url)
    survey = write_survey(folder / "雨水箅子.csv", ROWS)
    before = fingerprint(city)
    child = python(IMPORT, "-r", city, str(survey), "--layer", "drains")
    return before, child


@pytest.mark.slow
def test_killed_import_leaves_the_registry_as_it_was(registry_url: str, tmp_path: Path) -> None:
    city = registry_url
    before, child = start_import(city, tmp_path)
    kill_when(child, "写入 Writing")  # the progress bar starts once the first rows are written
    assert integrity(city) == "ok"
    assert fingerprint(city) == before
    reg = registry.open(city)
    assert reg.count(layer="drains") == 50 and reg.batches() == []
    reg.close()


def test_killed_multi_step_write_leaves_nothing_behind(registry_url: str) -> None:
    city = make_city(registry_url)
    before = fingerprint(city)
    kill_when(python(MULTI_STEP, city), "halfway", stream="stdout")
    assert integrity(city) == "ok"
    assert fingerprint(city) == before
    reg = registry.open(city)
    assert reg.documents("case") == [] and reg.journal("case") == []
    assert set(reg.query(layer="drains")["depth_m"]) == {1.0}
    reg.close()


@pytest.mark.slow
@only_gpkg
def test_import_killed_while_committing_is_all_or_nothing(registry_url: str,
                                                          tmp_path: Path) -> None:
    city = registry_url
    before, child = start_import(city, tmp_path)
    kill_when_wal_grows(child, Path(f"{city}-wal"))
    assert integrity(city) == "ok"
    reg = registry.open(city)
    drains, batches = reg.count(layer="drains"), len(reg.batches())
    reg.close()
    assert (drains, batches) in ((50, 0), (50 + ROWS, 1))
    if batches == 0:
        assert fingerprint(city) == before
