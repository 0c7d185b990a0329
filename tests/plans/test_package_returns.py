"""Returned work packages: results become events and versions; an asset the office changed
meanwhile is held as a conflict and settled; partial and duplicate returns; refused files
change nothing; assets found in the field are added with their UUIDs."""
from __future__ import annotations

import copy
import math
import uuid as uuidlib

import pytest
import shapely

from registry import Change, Query
from registry.errors import InvalidInput, NotFound, RecordErrors
from registry.plans import conflicts, packages, planner, returns
from plans.town import TODAY

WANG, LI = "王工", "李工"


@pytest.fixture()
def package(town):
    """The one package of a plan of the four inlets, exported: (id, collection)."""
    plan = planner.propose(town.reg, Query("drains"), Change(who=WANG), crews=["一队"],
                           today=TODAY)
    package_id = plan["packages"][0]["id"]
    return package_id, packages.export(town.reg, package_id, WANG)


def fill(collection, uuid, **values):
    """The crew's edits of one task, on a copy of the collection."""
    returned = copy.deepcopy(collection)
    for feature in returned["features"]:
        if feature["properties"]["uuid"] == uuid:
            feature["properties"].update(values)
    return returned


def snapshot(town, package_id):
    """Everything a return may change."""
    return (town.reg.change_stamp(), [town.reg.events(u) for u in town.ids.values()],
            town.reg.journal("package_return"), town.reg.document("package", package_id))


def assert_refused(town, package_id, returned, message, error=InvalidInput):
    """The return is refused with `message` and nothing it could change has changed."""
    before = snapshot(town, package_id)
    with pytest.raises(error, match=message):
        returns.return_package(town.reg, package_id, returned, LI)
    assert snapshot(town, package_id) == before


def test_results_become_events_and_versions(town, package):
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03",
                    condition_after=2, notes="清出建筑垃圾", depth_m=1.4)
    outcome = returns.return_package(town.reg, package_id, returned, LI, today=TODAY)
    assert outcome == {"package": package_id, "applied": [town["A"]], "conflicts": [],
                       "added": [], "duplicates": 0, "untouched": 3}
    [*_, event] = town.reg.events(town["A"])
    assert (event["kind"], event["date"], event["crew"]) == ("cleaning", "2026-06-03", "一队")
    assert (event["condition_before"], event["condition_after"]) == ("5", "2")
    assert (event["source"], event["ref"], event["recorded_by"]) == ("work_package", package_id, LI)
    asset = town.reg.get(town["A"])["properties"]
    assert (asset["condition"], asset["depth_m"], asset["last_cleaned"]) == (2, 1.4, "2026-06-03")
    versions = town.reg.history(town["A"])["versions"]
    assert {(v["source"], v["ref"]) for v in versions[1:]} == {("work_package", package_id)}


def test_round_trip_with_a_conflict_settled(town, package):
    package_id, collection = package
    town.reg.update(town["B"], {"depth_m": 2.0}, change=Change(who="办公室", why="复测"))
    returned = fill(collection, town["B"], done_kind="repair", done_date="2026-06-04",
                    condition_after=2, road_name="小安北巷")
    outcome = returns.return_package(town.reg, package_id, returned, LI, today=TODAY)
    assert outcome["conflicts"] == [town["B"]] and outcome["applied"] == []
    assert town.reg.events(town["B"]) == []                       # held, not applied
    [held] = conflicts.conflicts(town.reg, package_id)
    assert (held["exported_version"], held["office_version"]) == (1, 2)
    assert held["office_change"]["who"] == "办公室"
    assert [(f["field"], f["exported"], f["office"], f["crew"]) for f in held["fields"]] == [
        ("depth_m", 1.5, 2.0, 1.5), ("road_name", "小安巷", "小安巷", "小安北巷"),
        ("condition", 5, 5, 2)]
    settled = conflicts.settle(town.reg, package_id, town["B"], "crew", WANG)
    assert settled["applied"] == ["road_name"]
    asset = town.reg.get(town["B"])["properties"]
    assert (asset["depth_m"], asset["road_name"], asset["condition"]) == (2.0, "小安北巷", 2)
    assert town.reg.events(town["B"])[0]["kind"] == "repair"
    assert conflicts.conflicts(town.reg, package_id) == []


def test_settling_for_the_office_keeps_its_values_but_records_the_work(town, package):
    package_id, collection = package
    town.reg.update(town["B"], {"condition": 4}, change=Change(who="办公室"))
    returns.return_package(town.reg, package_id, fill(collection, town["B"], done_kind="repair",
                                                      condition_after=1), LI, today=TODAY)
    conflicts.settle(town.reg, package_id, town["B"], "office", WANG)
    assert town.reg.get(town["B"])["properties"]["condition"] == 4
    [event] = town.reg.events(town["B"])
    assert event["condition_after"] is None and "crew condition 1" in event["notes"]
    with pytest.raises(NotFound, match="has no conflict on asset"):
        conflicts.settle(town.reg, package_id, town["B"], "office", WANG)


def test_a_partial_return_then_the_rest(town, package):
    package_id, collection = package
    first = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03")
    assert returns.return_package(town.reg, package_id, first, LI)["untouched"] == 3
    both = fill(first, town["D"], done_kind="cleaning", done_date="2026-06-05")
    outcome = returns.return_package(town.reg, package_id, both, LI)
    assert (outcome["applied"], outcome["duplicates"]) == ([town["D"]], 1)
    assert len(town.reg.events(town["A"])) == 5           # four dumpings, one cleaning


def test_a_duplicate_return_changes_nothing(town, package):
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03",
                    condition_after=1)
    returns.return_package(town.reg, package_id, returned, LI)
    before = snapshot(town, package_id)
    outcome = returns.return_package(town.reg, package_id, returned, LI)
    assert (outcome["applied"], outcome["duplicates"]) == ([], 1)
    assert snapshot(town, package_id) == before


@pytest.mark.parametrize("tamper, message", [
    (lambda p: p.update(version=2), "version stamp of asset .* does not match"),
    (lambda p: p.update(stamp="0" * 32), "version stamp of asset .* does not match"),
    (lambda p: p.pop("stamp"), "has no version stamp, but asset .* is already in the registry"),
])
def test_a_tampered_stamp_is_refused_and_nothing_changes(town, package, tamper, message):
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03")
    tamper(returned["features"][1]["properties"])
    assert_refused(town, package_id, returned, message)


def test_a_file_of_another_package_is_refused(town, package):
    package_id, collection = package
    other = planner.propose(town.reg, [town["A"]], Change(who=WANG))["packages"][0]["id"]
    packages.export(town.reg, other, WANG)
    with pytest.raises(InvalidInput, match=f"this file is work package {package_id}, not {other}"):
        returns.return_package(town.reg, other, collection, LI)
    # Relabelled: inlet A is a task of both, but its stamp was signed for the first package.
    relabelled = copy.deepcopy(collection) | {"package": {"id": other}}
    with pytest.raises(InvalidInput, match="feature 1: the version stamp of asset"):
        returns.return_package(town.reg, other, relabelled, LI)
    relabelled["features"] = relabelled["features"][1:]
    with pytest.raises(InvalidInput, match="is no task of work package"):
        returns.return_package(town.reg, other, relabelled, LI)


@pytest.mark.parametrize("mangle, message", [
    (lambda c: c.update(type="Feature"), "must be a GeoJSON FeatureCollection"),
    (lambda c: c.pop("package"), "names no work package"),
    (lambda c: c["features"][0]["properties"].update(uuid="x"), "feature 1: uuid 'x' is not"),
    (lambda c: c["features"][0]["properties"].update(done_date="3 June"),
     "feature 1: done_date '3 June' is not a date"),
    (lambda c: c["features"][0].update(geometry={"type": "Point"}), "feature 1: the geometry"),
])
def test_malformed_geojson_is_refused_and_nothing_changes(town, package, mangle, message):
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03")
    mangle(returned)
    assert_refused(town, package_id, returned, message)


def test_a_bad_value_anywhere_rolls_the_whole_return_back(town, package):
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03")
    returned = fill(returned, town["D"], depth_m=-3)
    assert_refused(town, package_id, returned, "depth_m", RecordErrors)


def test_assets_found_in_the_field_are_added_with_their_uuids(town, package):
    package_id, collection = package
    found = str(uuidlib.uuid4())
    returned = copy.deepcopy(collection)
    returned["features"].append({"type": "Feature", "properties": {
        "uuid": found, "layer": "drains", "condition": 3, "road_name": "中山路", "depth_m": 1.1},
        "geometry": {"type": "Point", "coordinates": [114.5005, 38.0402]}})
    assert returns.return_package(town.reg, package_id, returned, LI)["added"] == [found]
    asset = town.reg.get(found)
    assert asset["properties"]["road_name"] == "中山路"
    assert asset["properties"]["gbt_code"] == "1301020104000005"
    first = town.reg.history(found)["versions"][0]
    assert (first["source"], first["ref"]) == ("work_package", package_id)
    assert returns.return_package(town.reg, package_id, returned, LI)["duplicates"] == 1


def moved(collection, uuid, east_m):
    """The crew's re-survey of one task: the asset `east_m` metres further east."""
    returned = copy.deepcopy(collection)
    for feature in returned["features"]:
        if feature["properties"]["uuid"] == uuid:
            lon, lat = feature["geometry"]["coordinates"]
            feature["geometry"]["coordinates"] = [lon + east_m / (111_320 * math.cos(
                math.radians(lat))), lat]
    return returned


def test_a_crew_relocation_moves_the_asset_and_jitter_does_not(town, package):
    package_id, collection = package
    before = town.reg.get(town["A"])["geometry"]
    returned = moved(moved(collection, town["A"], 3.0), town["D"], 0.1)
    outcome = returns.return_package(town.reg, package_id, returned, LI, today=TODAY)
    assert (outcome["applied"], outcome["untouched"]) == ([town["A"]], 3)
    after = town.reg.get(town["A"])["geometry"]
    assert town.reg.length_m([shapely.LineString([before, after])])[0] == pytest.approx(3.0, abs=0.05)
    [*_, latest] = town.reg.history(town["A"])["versions"]
    assert (latest["source"], latest["ref"]) == ("work_package", package_id)


def test_a_relocation_of_an_asset_the_office_changed_is_held_and_settled(town, package):
    package_id, collection = package
    town.reg.update(town["B"], {"depth_m": 2.0}, change=Change(who="办公室"))
    returns.return_package(town.reg, package_id, moved(collection, town["B"], 5.0), LI,
                           today=TODAY)
    [held] = conflicts.conflicts(town.reg, package_id)
    assert [(f["field"], f["crew"]) for f in held["fields"]] == [("depth_m", 1.5),
                                                                ("geometry", "moved 5.0 m")]
    before = town.reg.get(town["B"])["geometry"]
    conflicts.settle(town.reg, package_id, town["B"], {"geometry": "crew"}, WANG)
    asset = town.reg.get(town["B"])
    assert asset["properties"]["depth_m"] == 2.0
    assert town.reg.length_m([shapely.LineString([before, asset["geometry"]])])[0] == \
        pytest.approx(5.0, abs=0.05)


def test_a_whole_return_is_applied_task_by_task_in_effect(town, package):
    """Read and written together, each task still gets what it would alone: its corrections
    as one version, its new condition as the next, its event."""
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", done_date="2026-06-03",
                    condition_after=2, depth_m=1.4)
    returned = fill(moved(returned, town["C"], 3.0), town["C"], done_kind="inspection",
                    done_date="2026-06-04", condition=4)
    returned = fill(returned, town["D"], done_kind="cleaning", done_date="2026-06-05")
    outcome = returns.return_package(town.reg, package_id, returned, LI, today=TODAY)
    assert outcome["applied"] == [town["A"], town["D"], town["C"]]
    changes = {name: [v["changes"] for v in town.reg.history(town[name])["versions"][1:]]
               for name in "ACD"}
    assert changes["A"] == [{"depth_m": [1.2, 1.4], "last_cleaned": [None, "2026-06-03"]},
                            {"condition": [5, 2]}]
    assert changes["C"] == [{"last_cleaned": ["2026-05-22", "2026-06-04"],
                             "geometry": ["moved", "moved"]}, {"condition": [1, 4]}]
    assert changes["D"] == [{"last_cleaned": [None, "2026-06-05"]}]
    assert [(e["kind"], e["condition_before"], e["condition_after"])
            for e in town.reg.events(town["C"])] == [("inspection", "1", "4")]


def test_an_asset_returned_twice_in_one_file_is_applied_once_then_held(town, package):
    package_id, collection = package
    returned = fill(collection, town["A"], done_kind="cleaning", condition_after=2)
    again = copy.deepcopy(next(f for f in returned["features"]
                               if f["properties"]["uuid"] == town["A"]))
    again["properties"].update(done_kind="repair", condition_after=1)
    returned["features"].append(again)
    outcome = returns.return_package(town.reg, package_id, returned, LI, today=TODAY)
    assert (outcome["applied"], outcome["conflicts"]) == ([town["A"]], [town["A"]])
    assert town.reg.get(town["A"])["properties"]["condition"] == 2
