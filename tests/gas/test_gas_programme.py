"""Safety-valve roll-ups, yearly programmes and progress against targets."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, WHO, at, build
from registry.errors import Conflict, InvalidInput
from registry.gas.programme import (courtyard_progress, plan_programme, programmes, progress,
                                    valve_rollup)


@pytest.fixture()
def city(registry_url):
    """甲小区 with 66 households in four buildings; b1 has 3 valves (planned, installed,
    verified); half the mains (by length, T1 R1 R2) renovated."""
    reg = build(registry_url, LOOP_MAINS, buildings=LOOP_BUILDINGS)
    reg.add("safety_valves", gpd.GeoDataFrame(
        {"courtyard": ["甲小区"] * 3, "building": ["b1"] * 3, "household": ["101", "102", "201"],
         "status": ["planned", "installed", "verified"]},
        geometry=[shapely.Point(at(30, 45 + k)) for k in range(3)], crs=4547), WHO)
    mains = reg.query(layer="gas_mains")
    done = mains[mains["source_id"].isin(["B0", "T1", "R1", "R2"])]["uuid"]
    reg.update_many("gas_mains", gpd.GeoDataFrame(
        {"uuid": done.to_numpy(), "renovation_status": "done"},
        geometry=gpd.GeoSeries([None] * len(done)), crs=4490), WHO)
    yield reg
    reg.close()


def test_valves_roll_up_per_building_and_courtyard(city):
    buildings = valve_rollup(city, "building").set_index("building")
    # Only the verified valve is done; the installed one waits for its verification round.
    assert buildings.loc["b1", ["households", "planned", "installed", "verified", "done"]
                         ].tolist() == [20, 1, 1, 1, 1]
    assert buildings.loc["b2", "households"] == 30 and buildings.loc["b2", "done"] == 0
    courtyard = valve_rollup(city, "courtyard").to_dict("records")
    assert courtyard == [{"courtyard": "甲小区", "households": 66, "planned": 1, "installed": 1,
                          "verified": 1, "done": 1, "done_share": 0.015}]


def test_progress_against_the_years_targets(city):
    plan_programme(city, 2024, ["甲小区"], WHO)
    report = progress(city, 2024)
    assert report["targets"] == {"mains": 0.8, "valves": 0.8}
    assert report["overall"]["km"] == pytest.approx(0.3) and report["overall"]["km_done"] == 0.16
    assert report["overall"]["mains_share"] == pytest.approx(0.533, abs=1e-3)
    assert report["overall"]["valves_verified"] == 1 and report["overall"]["valves_needed"] == 66
    assert report["overall"]["valves_installed"] == 1 and report["overall"]["valves_share"] == 0.015
    assert report["on_track"] == {"mains": False, "valves": False}
    assert report["programme"]["courtyards"] == 1
    assert courtyard_progress(city)["state"].tolist() == ["in_progress"]


def test_a_programme_is_a_versioned_document(city):
    assert plan_programme(city, 2025, ["甲小区"], WHO, targets={"mains": 1, "valves": 0.9}) == 1
    assert programmes(city) == [{"year": 2025, "version": 1, "courtyards": ["甲小区"],
                                 "targets": {"mains": 1.0, "valves": 0.9}}]
    with pytest.raises(Conflict):
        plan_programme(city, 2025, ["甲小区"], WHO, expected_version=0)


def test_a_courtyard_that_matches_nothing_is_named(city):
    with pytest.raises(InvalidInput, match="no courtyard named '乙小区' \\(did you mean '甲小区'\\?\\)"):
        plan_programme(city, 2025, ["甲小区", "乙小区"], WHO)
    with pytest.raises(InvalidInput, match="targets are mains and valves"):
        plan_programme(city, 2025, ["甲小区"], WHO, targets={"mains": 2, "valves": 1})
    with pytest.raises(InvalidInput, match="roll valves up by one of"):
        valve_rollup(city, "street")


def test_a_year_without_targets_says_so(city):
    report = progress(city, 2026)
    assert (report["targets"], report["on_track"]) == (None, None)
    plan_programme(city, 2026, ["甲小区"], WHO)
    assert programmes(city)[0]["targets"] == {}
    assert progress(city, 2026)["targets"] is None
