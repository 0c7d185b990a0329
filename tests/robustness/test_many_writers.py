"""Several writers at once on one registry, on either backend — two engineers editing, a crew
returning its work package, an import and document saves, in threads and processes, each
with its own connection — keep every change and every version; a conflicting edit is a
Conflict."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

import registry
from registry import Change
from registry.errors import Conflict
from registry.plans import packages, planner, returns
from robust_city import integrity, make_city, python, write_survey

DRAINS = 60
#: Drains 0–39 are the engineers' (alternately), 40–59 the crew's work package.
CREW_FROM = 40
DOCUMENTS_PER_PROCESS = 40
SURVEY_ROWS = 5_000
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


def edit_depths(city: str, uuids: list[str], depth: float, start: threading.Barrier) -> int:
    """An engineer: each asset edited once at the version read, on an own connection."""
    reg = registry.open(city)
    start.wait()
    try:
        for uuid in uuids:
            version = reg.get(uuid)["properties"]["version"]
            reg.update(uuid, {"depth_m": depth}, change=Change(who=f"engineer {depth}"),
                       expected_version=version)
    finally:
        reg.close()
    return len(uuids)


def crew_package(city: str, uuids: list[str]) -> tuple[str, dict]:
    """A work package of the assets, exported, and the crew's results filled in: cleaned."""
    reg = registry.open(city)
    try:
        plan = planner.propose(reg, uuids, Change(who="王工"), crews=["一队"],
                               today=date(2026, 6, 1))
        package_id = plan["packages"][0]["id"]
        collection = packages.export(reg, package_id, "王工")
    finally:
        reg.close()
    for feature in collection["features"]:
        feature["properties"].update(done_kind="cleaning", done_date="2026-06-03",
                                     condition_after=2)
    return package_id, collection


def return_package(city: str, package_id: str, collection: dict,
                   start: threading.Barrier) -> dict:
    """The crew back from the field, on an own connection."""
    reg = registry.open(city)
    start.wait()
    try:
        return returns.return_package(reg, package_id, collection, "一队")
    finally:
        reg.close()


@pytest.mark.slow
def test_engineers_a_crew_and_an_import_at_once_keep_every_change_and_version(
        registry_url: str, tmp_path) -> None:
    city = make_city(registry_url, drains=DRAINS)
    survey = write_survey(tmp_path / "新增.csv", SURVEY_ROWS)
    reg = registry.open(city)
    uuids = reg.query(layer="drains")["uuid"].tolist()
    engineers, crew = uuids[:CREW_FROM], uuids[CREW_FROM:]
    package_id, collection = crew_package(city, crew)
    children = [python(SAVE_DOCUMENTS, city, f"p{n}", str(DOCUMENTS_PER_PROCESS))
                for n in range(2)]
    children.append(python(IMPORT, "-r", city, str(survey), "--layer", "drains"))
    start = threading.Barrier(3)
    with ThreadPoolExecutor(max_workers=3) as pool:
        edits = [pool.submit(edit_depths, city, engineers[k::2], depth, start)
                 for k, depth in enumerate((2.0, 3.0))]
        returned = pool.submit(return_package, city, package_id, collection, start)
        assert sum(edit.result() for edit in edits) == CREW_FROM
        assert sorted(returned.result()["applied"]) == sorted(crew)
    outputs = [child.communicate(timeout=600) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], outputs

    depths = reg.query(layer="drains", ids=engineers).set_index("uuid")["depth_m"]
    assert [depths[u] for u in engineers] == [(2.0, 3.0)[i % 2] for i in range(CREW_FROM)]
    cleaned = reg.query(layer="drains", ids=crew).set_index("uuid")["condition"]
    assert set(cleaned[crew]) == {2}
    for uuid in engineers:
        assert [(v["version"], v["who"]) for v in reg.history(uuid)["versions"]] == [
            (1, "test"), (2, f"engineer {depths[uuid]}")], uuid
    for uuid in crew:  # the cleaning date, then the condition the crew found
        assert [(v["version"], v["source"]) for v in reg.history(uuid)["versions"]] == [
            (1, "manual"), (2, "work_package"), (3, "work_package")], uuid
    assert [len(reg.events(u)) for u in crew] == [1] * len(crew)
    assert len(reg.documents("plan")) == 1 + 2 * DOCUMENTS_PER_PROCESS
    assert len(reg.journal("plan")) == 2 * DOCUMENTS_PER_PROCESS
    assert reg.count(layer="drains") == DRAINS + SURVEY_ROWS and len(reg.batches()) == 1
    reg.close()
    assert integrity(city) == "ok"


def test_two_edits_from_the_same_version_one_wins_one_conflicts(registry_url: str) -> None:
    city = make_city(registry_url, drains=1)
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
    assert [v["version"] for v in first.history(uuid)["versions"]] == [1, 2]
    assert first.get(uuid)["properties"]["version"] == 2
    first.close()


def test_a_registry_opens_and_reads_while_a_writer_is_inside_its_transaction(
        registry_url: str) -> None:
    """As a `stats` or the map while a long import runs: no waiting, only committed rows."""
    city = make_city(registry_url, drains=3)
    writer = registry.open(city)
    uuid = writer.query(layer="drains")["uuid"].iloc[0]
    with writer.transaction():
        writer.update(uuid, {"depth_m": 9.0}, change=Change(who="import"))
        started = time.monotonic()
        reader = registry.open(city)
        assert reader.get(uuid)["properties"]["depth_m"] == 1.0
        assert reader.count(layer="drains") == 3
        reader.close()
        assert time.monotonic() - started < 5
    writer.close()


def test_a_stale_document_save_is_a_conflict_not_an_overwrite(registry_url: str) -> None:
    reg = registry.open(make_city(registry_url, drains=1))
    reg.save_document("case", "C-9", {"state": "reported"}, Change(who="a"), expected_version=0)
    reg.save_document("case", "C-9", {"state": "registered"}, Change(who="b"), expected_version=1)
    with pytest.raises(Conflict, match="someone changed it meanwhile"):
        reg.save_document("case", "C-9", {"state": "closed"}, Change(who="c"), expected_version=1)
    assert reg.document("case", "C-9")["body"] == {"state": "registered"}
    reg.close()
