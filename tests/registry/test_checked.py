"""Records checked once (`Registry.check`) and written as checked, on each backend: the write
stores what a plain `add`/`update_many` stores, says what it says about bad records, and still
checks what depends on the stored data."""
from __future__ import annotations

from typing import Iterator

import geopandas as gpd
import pytest
import shapely

import registry
from registry import Change, Query
from registry.errors import InvalidInput, RecordErrors

WHO = Change(who="王工", why="test survey", source="import")


@pytest.fixture
def reg(registry_url: str) -> Iterator[registry.Registry]:
    reg = registry.create(registry_url, county="130102")
    yield reg
    reg.close()


def drains(ids: list[str], depths: list, index: list[int] | None = None) -> gpd.GeoDataFrame:
    """Drains along a street, as a survey delivers them (depths may be text)."""
    points = [shapely.Point(114.5 + i / 1000, 38.04) for i in range(len(ids))]
    return gpd.GeoDataFrame({"source_id": ids, "depth_m": depths},
                            index=index or list(range(len(ids))), geometry=points, crs=4490)


def stored(reg: registry.Registry) -> list[tuple]:
    found = reg.query(Query("drains", properties=["source_id", "depth_m", "version"]))
    return sorted(zip(found["source_id"], found["depth_m"], found["version"]))


def test_checked_records_are_stored_as_a_plain_add_stores_them(reg) -> None:
    reg.add("drains", reg.check("drains", drains(["A1", "A2"], ["1.5", "2"])), WHO)
    reg.add("drains", drains(["B1"], ["0.75"]), WHO)
    assert stored(reg) == [("A1", 1.5, 1), ("A2", 2.0, 1), ("B1", 0.75, 1)]


def test_a_bad_checked_record_is_refused_with_the_plain_add_error(reg) -> None:
    survey = drains(["A1", "A2", "A1"], [1.5, 0.1, 1.0], index=[7, 8, 9])
    with pytest.raises(RecordErrors) as plain:
        reg.add("drains", survey, WHO)
    with pytest.raises(RecordErrors) as checked:
        reg.add("drains", reg.check("drains", survey), WHO)
    assert str(checked.value) == str(plain.value) == (
        "layer drains: asset A2, row 8, field depth_m, value 0.1: below the minimum 0.2 m "
        "(and 1 more)")
    assert checked.value.problems == plain.value.problems
    assert [p["reason"] for p in plain.value.problems][1] == "source id repeated (first at row 7)"
    assert stored(reg) == []


def test_rows_keep_only_their_own_problems(reg) -> None:
    checked = reg.check("drains", drains(["A1", "A2", "A3"], [1.5, 0.1, 1.0], index=[7, 8, 9]))
    good = checked.rows([9, 7])
    assert good.problems == () and good.records.index.tolist() == [9, 7]
    reg.add("drains", good, WHO)
    assert stored(reg) == [("A1", 1.5, 1), ("A3", 1.0, 1)]


def test_what_a_caller_does_to_the_records_is_not_what_is_written(reg) -> None:
    checked = reg.check("drains", drains(["A1"], [1.5]))
    records = checked.records
    records.loc[0, "depth_m"] = -9.0
    reg.add("drains", checked, WHO)
    assert stored(reg) == [("A1", 1.5, 1)]


def test_ids_taken_since_the_check_are_still_refused(reg) -> None:
    checked = reg.check("drains", drains(["A1", "A2"], [1.5, 1.0]))
    reg.add("drains", drains(["A2"], [3.0]), WHO)
    with pytest.raises(RecordErrors, match=r"row 1, field source_id, value 'A2': source id "
                                           r"already in the registry \(asset "):
        reg.add("drains", checked, WHO)
    assert stored(reg) == [("A2", 3.0, 1)]


def test_checked_edits_write_versions_as_plain_edits_do(reg) -> None:
    reg.add("drains", drains(["A1", "A2"], [1.5, 1.0]), WHO)
    uuids = reg.query(Query("drains", properties=["source_id"])).set_index("source_id")["uuid"]
    survey = drains(["A1", "A2"], ["1.6", "1.0"], index=[3, 4])
    edits = reg.check("drains", survey).as_edits([uuids["A1"], uuids["A2"]])
    assert "source_id" not in edits.records
    assert reg.update_many("drains", edits, WHO) == 1
    assert stored(reg) == [("A1", 1.6, 2), ("A2", 1.0, 1)]
    assert [v["version"] for v in reg.history(uuids["A1"])["versions"]] == [1, 2]


def test_a_check_is_written_only_where_it_was_made(reg, new_location) -> None:
    other = registry.create(new_location(), county="130102")
    try:
        checked = other.check("drains", drains(["A1"], [1.5]))
        with pytest.raises(InvalidInput, match="check them again"):
            reg.add("drains", checked, WHO)
    finally:
        other.close()
    with pytest.raises(InvalidInput, match="cannot be written to layer lamp_posts"):
        reg.add("lamp_posts", reg.check("drains", drains(["A1"], [1.5])), WHO)
    assert stored(reg) == []


def test_edits_and_new_records_are_not_mistaken_for_each_other(reg) -> None:
    reg.add("drains", drains(["A1"], [1.5]), WHO)
    uuid = reg.query(Query("drains"))["uuid"].iloc[0]
    checked = reg.check("drains", drains(["A1"], [1.7]))
    with pytest.raises(InvalidInput, match="edits name the assets they change"):
        reg.add("drains", checked.as_edits([uuid]), WHO)
    with pytest.raises(InvalidInput, match="edits name the assets they change"):
        reg.update_many("drains", checked, WHO)
    assert stored(reg) == [("A1", 1.5, 1)]
