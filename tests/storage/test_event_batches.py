"""Maintenance events recorded many at a time: the same events, versions and errors as one
`record_event` after another, in one transaction; and the batch reads beside them."""
from __future__ import annotations

import uuid as uuidlib

import geopandas as gpd
import pytest
import shapely

import registry
from registry import Change, MaintenanceEvent, Query
from registry.errors import Conflict, NotFound


def drains(city: registry.Registry, n: int) -> list[str]:
    return city.query(Query("drains", limit=n))["uuid"].tolist()


def written(city: registry.Registry, uuids: list[str]) -> tuple:
    """Everything an event batch may change on these assets."""
    return (city.change_stamp(), [city.history(u) for u in uuids])


def test_a_batch_fills_condition_before_and_versions_only_changed_conditions(
        city: registry.Registry) -> None:
    first, second, third = drains(city, 3)                 # conditions 1, 2, 3
    rows = city.record_events([
        (first, MaintenanceEvent("cleaning", "2026-05-03", crew="一队", condition_after=4)),
        (second, MaintenanceEvent("inspection", "2026-05-04", condition_after=2)),
        (third, MaintenanceEvent("repair", "2026-05-05", condition_before=5, notes="井盖"))],
        Change(who="李工"))
    assert [(r["uuid"], r["condition_before"], r["condition_after"]) for r in rows] == [
        (first, "1", "4"), (second, "2", "2"), (third, "5", None)]
    assert [city.get(u)["properties"]["condition"] for u in (first, second, third)] == [4, 2, 3]
    assert [len(city.history(u)["versions"]) for u in (first, second, third)] == [2, 1, 1]
    assert city.history(first)["versions"][-1]["why"] == "cleaning 2026-05-03"
    assert city.history(first)["versions"][-1]["changes"] == {"condition": [1, 4]}
    assert [e["notes"] for e in city.events(third)] == ["井盖"]


def test_each_new_condition_gets_its_own_events_reason(city: registry.Registry) -> None:
    first, second = drains(city, 2)
    city.record_events([(first, MaintenanceEvent("cleaning", "2026-05-03", condition_after=5)),
                        (second, MaintenanceEvent("repair", "2026-05-04", condition_after=5))],
                       Change(who="李工"))
    assert [city.history(u)["versions"][-1]["why"] for u in (first, second)] == [
        "cleaning 2026-05-03", "repair 2026-05-04"]
    given = Change(who="李工", why="雨季前专项")
    city.record_events([(first, MaintenanceEvent("repair", "2026-05-05", condition_after=1))],
                       given)
    assert city.history(first)["versions"][-1]["why"] == "雨季前专项"


def test_an_asset_named_twice_takes_its_events_in_turn(city: registry.Registry) -> None:
    [uuid] = drains(city, 1)                               # condition 1
    city.record_events([(uuid, MaintenanceEvent("repair", "2026-05-03", condition_after=3)),
                        (uuid, MaintenanceEvent("inspection", "2026-05-04", condition_after=3)),
                        (uuid, MaintenanceEvent("repair", "2026-05-05", condition_after=2))],
                       Change(who="李工"))
    assert [(e["condition_before"], e["condition_after"]) for e in city.events(uuid)] == [
        ("1", "3"), ("3", "3"), ("3", "2")]
    assert [v["changes"] for v in city.history(uuid)["versions"][1:]] == [
        {"condition": [1, 3]}, {"condition": [3, 2]}]


def test_an_unknown_asset_writes_nothing(city: registry.Registry) -> None:
    first, second = drains(city, 2)
    before = written(city, [first, second])
    stranger = str(uuidlib.uuid4())
    with pytest.raises(NotFound, match=f"no asset {stranger}"):
        city.record_events([
            (first, MaintenanceEvent("cleaning", "2026-05-03", condition_after=4)),
            (stranger, MaintenanceEvent("cleaning", "2026-05-03")),
            (second, MaintenanceEvent("cleaning", "2026-05-03", condition_after=5))],
            Change(who="李工"))
    assert written(city, [first, second]) == before


def test_a_retired_asset_refuses_a_new_condition_and_nothing_is_written(
        city: registry.Registry) -> None:
    first, gone = drains(city, 2)
    city.retire(gone, Change(who="x"))
    before = written(city, [first, gone])
    with pytest.raises(Conflict, match=f"asset {gone} is retired"):
        city.record_events([(first, MaintenanceEvent("cleaning", "2026-05-03", condition_after=4)),
                            (gone, MaintenanceEvent("repair", "2026-05-03", condition_after=4))],
                           Change(who="李工"))
    assert written(city, [first, gone]) == before


def test_get_many_reads_each_asset_as_get_does(city: registry.Registry) -> None:
    bridges = gpd.GeoDataFrame(
        {"name": ["民心河桥", "中山路天桥"], "bridge_type": ["river", "footbridge"],
         "bci": [72.5, None]},
        geometry=[shapely.box(114.45, 38.05, 114.451, 38.0505),
                  shapely.LineString([(114.52, 38.04), (114.5202, 38.0403)])], crs=4490)
    spans = city.add("bridges", bridges, Change(who="x"))["uuid"].tolist()
    some = drains(city, 3)
    city.update(some[1], {"last_cleaned": "2026-05-03", "depth_m": None}, change=Change(who="x"))
    city.retire(some[2], Change(who="x"))
    for layer, uuids in (("bridges", spans[::-1]), ("drains", some)):
        many = city.get_many(layer, uuids)
        assert [a["properties"] for a in many] == [city.get(u)["properties"] for u in uuids]
        assert [a["geometry"] for a in many] == [city.get(u)["geometry"] for u in uuids]
    with pytest.raises(NotFound):
        city.get_many("drains", [some[0], str(uuidlib.uuid4())])


def test_update_many_with_expected_versions_refuses_an_asset_that_moved_on(
        city: registry.Registry) -> None:
    first, second = drains(city, 2)
    city.update(second, {"depth_m": 2.0}, change=Change(who="办公室"))
    before = written(city, [first, second])
    edits = gpd.GeoDataFrame({"uuid": [first, second], "depth_m": [1.1, 1.2]},
                             geometry=[None, None], crs=4490)
    with pytest.raises(Conflict, match=f"asset {second} is at version 2, not 1"):
        city.update_many("drains", edits, Change(who="李工"), expected_versions=[1, 1])
    assert written(city, [first, second]) == before
    assert city.update_many("drains", edits, Change(who="李工"), expected_versions=[1, 2]) == 2
