"""Held duplicates and flagged fields go to the review queue with their batch, and deciding
them writes what the survey said, on a real GeoPackage and a real PostGIS registry."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import registry
from importers.pipeline import import_survey
from registry import Change, Query
from registry import review as queue
from registry.errors import InvalidInput, NotFound, RecordErrors

#: Rows 2 and 4 lie within 1 m of rows 1 and 3: probable duplicates, held.
SURVEY = ("编号,经度,纬度,井深,备注\n"
          "YS1,114.500000,38.04,1.2,北口\n"
          "YS2,114.500001,38.04,1.3,北口旁\n"
          "YS3,114.520000,38.05,1.4,南口\n"
          "YS4,114.520001,38.05,1.5,南口旁\n"
          "YS5,114.540000,38.06,1.6,\n")


@pytest.fixture
def city(registry_url: str) -> registry.Registry:
    reg = registry.create(registry_url, county="130102")
    yield reg
    reg.close()


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    path = tmp_path / "收水井.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def ids(reg: registry.Registry) -> list[str]:
    return sorted(reg.query(Query("drains"))["source_id"])


def test_held_duplicates_are_kept_whole_for_review(city, survey) -> None:
    report = import_survey(city, survey, "drains", who="王工")
    assert (report.accepted, report.duplicates) == (3, 2)
    assert ids(city) == ["YS1", "YS3", "YS5"]
    held = queue.items(city)
    assert [(i.row, i.kind, i.source_id, i.status, i.batch) for i in held] == [
        (2, "duplicate", "YS2", "open", report.batch),
        (4, "duplicate", "YS4", "open", report.batch)]
    assert held[0].reason == "within 1 m of row 1 of this file"
    assert held[0].geometry == {"type": "Point", "coordinates": [114.500001, 38.04]}
    assert held[0].record["depth_m"] == 1.3
    assert json.loads(held[0].record["source_attributes"]) == {
        "编号": "YS2", "经度": "114.500001", "纬度": "38.04", "井深": "1.3", "备注": "北口旁"}


def test_accept_inserts_what_the_survey_said_and_reject_nothing(city, survey) -> None:
    report = import_survey(city, survey, "drains", who="王工")
    accepted = queue.decide(city, report.batch, [2], "accept",
                            Change(who="李工", source="review", ref=report.batch))
    assert [(i.row, i.status, i.decided_by) for i in accepted] == [(2, "accepted", "李工")]
    queue.decide(city, report.batch, [4], "reject", Change(who="李工"))
    assert ids(city) == ["YS1", "YS2", "YS3", "YS5"]
    added = city.query(Query("drains", where="source_id = 'YS2'")).iloc[0]
    assert added["depth_m"] == 1.3
    assert json.loads(added["source_attributes"])["备注"] == "北口旁"
    assert (added.geometry.x, added.geometry.y) == (114.500001, 38.04)
    assert queue.items(city) == []
    assert [i.status for i in queue.items(city, status=None)] == ["accepted", "rejected"]
    with pytest.raises(NotFound, match="has no open review item for row 2"):
        queue.decide(city, report.batch, [2], "accept", Change(who="李工"))


def test_edit_inserts_the_held_record_with_the_values_given(city, survey) -> None:
    report = import_survey(city, survey, "drains", who="王工")
    queue.decide(city, report.batch, [4], "edit", Change(who="李工"), {"depth_m": "1.45"})
    assert city.query(Query("drains", where="source_id = 'YS4'"))["depth_m"].tolist() == [1.45]
    with pytest.raises(InvalidInput, match="an edit gives the values"):
        queue.decide(city, report.batch, [2], "edit", Change(who="李工"))


def test_a_refused_decision_writes_nothing_and_leaves_items_open(city, survey) -> None:
    report = import_survey(city, survey, "drains", who="王工")
    with pytest.raises(RecordErrors, match="depth_m"):
        queue.decide(city, report.batch, [2, 4], "edit", Change(who="李工"), {"depth_m": "0.01"})
    assert ids(city) == ["YS1", "YS3", "YS5"]
    assert [i.status for i in queue.items(city)] == ["open", "open"]


def test_accept_duplicates_per_row_on_import(city, survey) -> None:
    report = import_survey(city, survey, "drains", who="王工", accept_duplicates=[4])
    assert (report.accepted, report.duplicates) == (4, 2)
    assert ids(city) == ["YS1", "YS3", "YS4", "YS5"]
    assert [i.row for i in queue.items(city)] == [2]
    assert city.batches()[0]["options"]["accept_duplicates"] == [4]
    # YS4 is an asset now: re-importing, only row 2 is a probable duplicate
    with pytest.raises(InvalidInput, match="row 5 is not a probable duplicate of this import "
                                           r"\(those are: 2\)"):
        import_survey(city, survey, "drains", who="王工", accept_duplicates=[5])


def test_a_flagged_field_is_edited_onto_its_asset(city, survey) -> None:
    """A flagged field (a value kept raw, the field left empty) as the import holds it."""
    report = import_survey(city, survey, "drains", who="王工", accept_duplicates=True)
    asset = city.query(Query("drains", where="source_id = 'YS5'")).iloc[0]
    queue.hold(city, {"batch_uuid": "b-flag", "layer": "drains", "file_name": "d.csv"},
               [{"row": 5, "kind": "flagged", "field": "depth_m", "value": "5 ft",
                 "reason": "unit not understood", "source_id": "YS5", "asset": asset["uuid"],
                 "geometry": None, "record": {}}], Change(who="王工"))
    assert queue.batch_of(city, None) == "b-flag"  # the only batch with open items
    queue.decide(city, "b-flag", [5], "edit", Change(who="李工", source="review"),
                 {"depth_m": 1.52})
    versions = city.history(asset["uuid"])["versions"]
    assert versions[-1]["changes"] == {"depth_m": [1.6, 1.52]}
    assert (versions[-1]["who"], versions[-1]["source"]) == ("李工", "review")
    assert report.batch != "b-flag"


def test_the_same_file_again_holds_nothing_twice(city, survey) -> None:
    import_survey(city, survey, "drains", who="王工")
    again = import_survey(city, survey, "drains", who="王工")
    assert again.duplicates == 2  # reported again ...
    assert [i.row for i in queue.items(city)] == [2, 4]  # ... but held once
    assert city.documents("review")[0]["key"] != again.batch
