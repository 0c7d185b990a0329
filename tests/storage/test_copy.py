"""`infracensus copy`: a whole registry moves GeoPackage → PostGIS → GeoPackage, every table
verified by row count and checksum, and the copies answer as the original does."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import registry
from browser.city import build_city
from registry import Change, Query
from registry.change import utc_now
from registry.copying import copy_registry
from registry.errors import StorageError
from registry.events import MaintenanceEvent
from web.cli.main import cli

pytestmark = pytest.mark.postgis


def with_history(path: Path) -> tuple[datetime, list[str]]:
    """The synthetic city, then edits, a retirement, events, documents, a journal, a batch.

    Returns a moment between the first and the second round of edits, and three drain ids.
    """
    reg = build_city(path)
    drains = reg.query(Query("drains", limit=3))["uuid"].tolist()
    reg.update(drains[0], {"depth_m": 2.25}, change=Change(who="王工", why="measured"))
    time.sleep(0.01)
    middle = utc_now()
    time.sleep(0.01)
    reg.update(drains[0], {"depth_m": 2.5, "last_cleaned": "2026-03-01"},
               change=Change(who="王工", why="cleaned"))
    reg.retire(drains[1], Change(who="李工", why="removed"))
    reg.record_event(drains[2], MaintenanceEvent("repair", "2026-02-01", crew="一队",
                                                 condition_after=4, cost=320.5),
                     Change(who="一队", source="work_package", ref="WP-1"))
    reg.save_document("plan", "P-1", {"title": "雨季清掏", "assets": drains}, Change(who="张"))
    reg.append_journal("case", "C-1", {"to": "立案", "note": "井盖破损"}, Change(who="监督员"))
    reg.add_batch({"batch_uuid": "b-1", "layer": "drains", "file_name": "drains.shp",
                   "checksum": "abc", "who": "demo", "started_at": "2026-01-01T00:00:00.000Z",
                   "counts": {"added": 400}, "options": {"encoding": "gbk"}})
    reg.close()
    return middle, drains


def as_seen(url: str, moment: datetime, drains: list[str]) -> dict:
    """What users read from a registry: counts, an as-of answer, histories, documents."""
    reg = registry.open(url)
    try:
        return {
            "now": sorted(reg.query(Query("drains"))["uuid"]),
            "then": {r.uuid: (r.depth_m, r.version) for r in reg.query(
                Query("drains", ids=drains[:2], as_of=moment)).itertuples()},
            "retired": reg.count(Query("drains", include_retired=True)),
            "bridges": sorted(reg.query(Query("bridges"))["gbt_code"]),
            "versions": [(v["version"], v["kind"], v["who"])
                         for v in reg.history(drains[0])["versions"]],
            "events": [(e["kind"], e["cost"]) for e in reg.events(drains[2])],
            "plan": reg.document("plan", "P-1")["body"],
            "journal": [j["entry"] for j in reg.journal("case")],
            "batches": [(b["batch_uuid"], b["counts"]) for b in reg.batches()],
        }
    finally:
        reg.close()


def test_a_registry_round_trips_through_postgis(tmp_path: Path, postgis_url: str) -> None:
    source, back = tmp_path / "city.gpkg", tmp_path / "back.gpkg"
    moment, drains = with_history(source)
    there = copy_registry(source, postgis_url)
    home = copy_registry(postgis_url, back)
    assert all(check.ok for check in there + home)
    assert [(c.table, c.rows, c.checksum) for c in there] == \
           [(c.table, c.rows, c.checksum) for c in home]
    rows = {c.table: c.rows for c in there}
    assert rows["drains"] == 400 and rows["maintenance_events"] == 1
    assert rows["asset_versions"] >= sum(rows[layer] for layer in registry.load_layers()) + 3
    expected = as_seen(str(source), moment, drains)
    assert expected["then"] == {drains[0]: (2.25, 2), drains[1]: expected["then"][drains[1]]}
    assert expected["retired"] == 400 and len(expected["now"]) == 399
    assert as_seen(postgis_url, moment, drains) == expected
    assert as_seen(str(back), moment, drains) == expected


def test_the_copy_keeps_working_as_a_registry(tmp_path: Path, postgis_url: str) -> None:
    """New rows after a copy get fresh ids and codes, never the copied ones."""
    source = tmp_path / "city.gpkg"
    build_city(source).close()
    copy_registry(source, postgis_url)
    reg = registry.open(postgis_url)
    frame = reg.query(Query("drains", limit=1, properties=["depth_m"]))
    frame["source_id"] = "NEW-1"
    added = reg.add("drains", frame[["source_id", "depth_m", "geometry"]], Change(who="after"))
    codes = reg.query(Query("drains"))["gbt_code"]
    assert added["gbt_code"].iloc[0] == max(codes) and codes.is_unique
    reg.close()


def test_copy_refuses_an_existing_registry(tmp_path: Path, postgis_url: str) -> None:
    source = tmp_path / "city.gpkg"
    build_city(source).close()
    registry.create(postgis_url, county="130102").close()
    with pytest.raises(StorageError, match="already holds a registry"):
        copy_registry(source, postgis_url)


def test_the_command_prints_every_table_verified(tmp_path: Path, postgis_url: str) -> None:
    source = tmp_path / "city.gpkg"
    build_city(source).close()
    result = CliRunner().invoke(cli, ["copy", "-r", str(source), postgis_url])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["table", "rows", "checksum", "ok"]
    drains = next(line.split() for line in lines if line.startswith("drains "))
    assert drains[1] == "400" and drains[3] == "✓"
    again = CliRunner().invoke(cli, ["copy", "-r", str(source), postgis_url])
    assert again.exit_code == 1 and "already holds a registry" in again.output
