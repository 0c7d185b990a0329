"""Isolation traces on hand-built networks whose answers are known (see conftest's drawing)."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gas.gas_networks import LOOP_BUILDINGS, LOOP_MAINS, WHO, at, lonlat, main
from registry.errors import InvalidInput, NotFound
from registry.gas import isolation
from registry.gas.buildings import buildings, load_buildings
from registry.gas.isolation import isolate, trace_geojson
from registry.gas.network import build_network


def uuid_of(reg, sid: str) -> str:
    mains = reg.query(layer="gas_mains")
    return mains.loc[mains["source_id"] == sid, "uuid"].iloc[0]


def ids(assets: list[dict]) -> list[str]:
    return sorted(a["source_id"] for a in assets)


def test_a_break_in_the_loop_closes_the_valve_below_it(loop_city):
    reg = loop_city()
    answer = isolate(reg, uuid=uuid_of(reg, "D1"))
    assert [v["key"] for v in answer["valves_to_close"]] == ["V1"]
    assert ids(answer["without_gas"]) == ["D1", "L1", "R1", "R2", "R3", "T1"]
    assert answer["length_without_gas_m"] == pytest.approx(260.0, abs=0.05)
    assert answer["households"] == 60
    assert sorted(b["building"] for b in answer["buildings"]) == ["b1", "b2", "b3"]


def test_a_break_found_by_a_point_on_the_main(loop_city):
    reg = loop_city()
    answer = isolate(reg, lonlat=lonlat(30, 40.5))
    assert answer["main"]["source_id"] == "R1"
    assert [v["key"] for v in answer["valves_to_close"]] == ["V1"]


def test_below_the_line_valve_the_regulator_and_feed_side_close(loop_city):
    reg = loop_city()
    answer = isolate(reg, lonlat=lonlat(0, 10))
    assert [v["kind"] for v in answer["valves_to_close"]] == ["regulator", "line"]
    assert answer["length_isolated_m"] == pytest.approx(20.0, abs=0.05)
    # Shutting the regulator cuts the whole low-pressure side off its feed.
    assert answer["households"] == 66


def test_a_closed_valve_is_honoured(loop_city):
    reg = loop_city(v1="closed")
    answer = isolate(reg, lonlat=lonlat(0, 10))
    assert [v["key"] for v in answer["valves_already_closed"]] == ["V1"]
    assert [v["kind"] for v in answer["valves_to_close"]] == ["regulator"]
    # Everything above V1 had no gas before the break: only b4 loses it now.
    assert [b["building"] for b in answer["buildings"]] == ["b4"]
    assert answer["length_without_gas_m"] == pytest.approx(20.0, abs=0.05)


def test_a_break_on_the_branch_closes_feed_and_regulator(loop_city):
    reg = loop_city()
    answer = isolate(reg, uuid=uuid_of(reg, "B0"))
    assert sorted(v["kind"] for v in answer["valves_to_close"]) == ["feed", "regulator"]
    assert answer["households"] == 66


def test_a_disconnected_island_is_shut_at_its_assumed_feed(city_factory):
    reg = city_factory(LOOP_MAINS + [main("X1", [(300, 0), (300, 30)])])
    answer = isolate(reg, uuid=uuid_of(reg, "X1"))
    assert [v["kind"] for v in answer["valves_to_close"]] == ["feed"]
    assert ids(answer["without_gas"]) == ["X1"]


def test_trace_geojson_for_the_crew(loop_city):
    reg = loop_city()
    net = build_network(reg)
    answer = isolate(reg, uuid=uuid_of(reg, "D1"), net=net)
    collection = trace_geojson(reg, net, answer)
    roles = sorted({f["properties"]["role"] for f in collection["features"]})
    assert roles == ["isolated", "valve_close"]
    lon, lat = collection["features"][0]["geometry"]["coordinates"][0]
    assert 114 < lon < 115 and 37 < lat < 39


def test_bad_trace_requests_say_why(loop_city):
    reg = loop_city()
    with pytest.raises(InvalidInput, match="no gas main within 10 m"):
        isolate(reg, lonlat=lonlat(500, 500))
    with pytest.raises(NotFound, match="no gas main nope"):
        isolate(reg, uuid="nope")
    with pytest.raises(InvalidInput, match="either a main's uuid or a point"):
        isolate(reg)


def test_a_kept_network_counts_the_buildings_of_now(loop_city):
    """The building snap is kept on the network, but a survey loaded or a safety valve added,
    moved or retired since is counted in the next trace."""
    reg = loop_city()
    net = build_network(reg)
    d1 = uuid_of(reg, "D1")
    assert isolate(reg, uuid=d1, net=net)["households"] == 60
    survey = gpd.GeoDataFrame({"小区": ["甲小区"] * 4, "楼栋": ["b1", "b2", "b3", "b4"],
                               "户数": [20, 30, 25, 6]},
                              geometry=[shapely.Point(at(*b[2])) for b in LOOP_BUILDINGS],
                              crs=4547)
    load_buildings(reg, survey, WHO)
    assert isolate(reg, uuid=d1, net=net)["households"] == 75
    reg.add("safety_valves", gpd.GeoDataFrame(
        {"courtyard": ["乙小区"] * 3, "building": ["c1"] * 3, "status": ["planned"] * 3},
        geometry=[shapely.Point(at(-30, 82 + k)) for k in range(3)], crs=4547), WHO)
    answer = isolate(reg, uuid=d1, net=net)
    assert answer["households"] == 78 and "c1" in [b["building"] for b in answer["buildings"]]
    moved = reg.query(layer="safety_valves")["uuid"]
    reg.update_many("safety_valves", gpd.GeoDataFrame(
        {"uuid": moved.to_numpy()}, geometry=[shapely.Point(at(400, 400))] * len(moved),
        crs=4547), WHO)
    assert isolate(reg, uuid=d1, net=net)["households"] == 75


def test_repeated_traces_snap_the_buildings_once(loop_city, monkeypatch):
    reg = loop_city()
    net = build_network(reg)
    reads = []
    monkeypatch.setattr(isolation, "buildings", lambda r: reads.append(1) or buildings(r))
    first = isolate(reg, uuid=uuid_of(reg, "D1"), net=net)
    assert isolate(reg, uuid=uuid_of(reg, "D1"), net=net) == first
    assert isolate(reg, uuid=uuid_of(reg, "B0"), net=net)["households"] == 66
    assert len(reads) == 1
