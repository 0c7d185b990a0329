"""Several writers at once on one GeoPackage — threads and processes, asset edits, an
import and document saves — keep every change; a conflicting edit is a Conflict."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import registry
from registry import Change
from registry.errors import Conflict
from robust_city import integrity, make_city, python, write_survey

DOCUMENTS_PER_PROCESS = 40
SAVE_DOCUMENTS = """
import sys, registry
from registry import Change
reg = registry.open(sys.argv[1])
for i in range(int(sys.argv[3])):
    reg.save_document("plan", f"{sys.argv[2]}-{i}", {"n": i}, Change(who=sys.argv[2]))
    reg.append_journal("plan", f"{sys.argv[2]}-{i}", {"saved": i}, Change(who=sys.argv[2]))
print("done", flush=True)
"""
IMPORT = ("from web.cli.import_cmd import import_survey; "
          "import_survey(prog_name='infracensus import')")


def edit_depths(city: Path, uuids: list[str], depth: float) -> int:
    """Each asset edited once, from this thread's own connection; returns how many."""
    reg = registry.open(city)
    try:
        for uuid in uuids:
            version = reg.get(uuid)["properties"]["version"]
            reg.update(uuid, {"depth_m": depth}, change=Change(who="thread"),
                       expected_version=version)
    finally:
        reg.close()
    return len(uuids)


def test_threads_and_processes_write_at_once_and_keep_every_change(tmp_path: Path) -> None:
    city = make_city(tmp_path / "city.gpkg", drains=60)
    survey = write_survey(tmp_path / "新增.csv", 5_000)
    reg = registry.open(city)
    uuids = reg.query(layer="drains")["uuid"].tolist()
    children = [python(SAVE_DOCUMENTS, str(city), f"p{n}", str(DOCUMENTS_PER_PROCESS))
                for n in range(2)]
    children.append(python(IMPORT, "-r", str(city), str(survey), "--layer", "drains"))
    with ThreadPoolExecutor(max_workers=3) as pool:
        edited = sum(pool.map(edit_depths, [city] * 3, [uuids[k::3] for k in range(3)],
                              [2.0, 3.0, 4.0]))
    outputs = [child.communicate(timeout=600) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], outputs
    assert edited == 60
    depths = reg.query(layer="drains", ids=uuids).set_index("uuid")["depth_m"]
    assert [depths[u] for u in uuids] == [[2.0, 3.0, 4.0][i % 3] for i in range(60)]
    assert len(reg.documents("plan")) == len(reg.journal("plan")) == 2 * DOCUMENTS_PER_PROCESS
    assert reg.count(layer="drains") == 60 + 5_000 and len(reg.batches()) == 1
    reg.close()
    assert integrity(city) == "ok"


def test_two_edits_from_the_same_version_one_wins_one_conflicts(tmp_path: Path) -> None:
    city = make_city(tmp_path / "city.gpkg", drains=1)
    first = registry.open(city)
    uuid = first.query(layer="drains")["uuid"].iloc[0]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(depth: float) -> None:
        reg = registry.open(city)
        start.wait()
        try:
            reg.update(uuid, {"depth_m": depth}, change=Change(who=f"editor {depth}"),
                       expected_version=1)
            outcomes.append("saved")
        except Conflict as exc:
            outcomes.append(str(exc))
        finally:
            reg.close()

    threads = [threading.Thread(target=edit, args=(d,)) for d in (2.0, 3.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "saved"
    assert "try again" in sorted(outcomes)[0] and "someone" in sorted(outcomes)[0]
    assert first.get(uuid)["properties"]["version"] == 2
    first.close()


def test_a_stale_document_save_is_a_conflict_not_an_overwrite(tmp_path: Path) -> None:
    reg = registry.open(make_city(tmp_path / "city.gpkg", drains=1))
    reg.save_document("case", "C-9", {"state": "reported"}, Change(who="a"), expected_version=0)
    reg.save_document("case", "C-9", {"state": "registered"}, Change(who="b"), expected_version=1)
    with pytest.raises(Conflict, match="someone changed it meanwhile"):
        reg.save_document("case", "C-9", {"state": "closed"}, Change(who="c"), expected_version=1)
    assert reg.document("case", "C-9")["body"] == {"state": "registered"}
    reg.close()
