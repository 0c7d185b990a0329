"""The network of the mains: snapping, junction splits, components, faults, total length."""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from gas.gas_networks import LOOP_MAINS, main
from registry.gas.network import build_network


def kinds(net, kind: str) -> list[str]:
    return sorted(f["source_id"] or f["asset"] for f in net.faults if f["kind"] == kind)


def test_the_loop_city_is_one_clean_component(loop_city):
    net = build_network(loop_city())
    summary = net.summary()
    assert summary["components"] == 1 and summary["feeds"] == 1 and summary["regulators"] == 1
    assert summary["line_valves"] == 2 and net.faults == []
    # B0 T1 R1 R2 R3 L1 D1, with T1 and R2 each split by their line valve.
    assert summary["edges"] == 9
    assert net.total_km() == pytest.approx(0.300, abs=1e-4)


def test_ends_within_the_snap_tolerance_join_and_a_tee_splits_the_main(city_factory):
    net = build_network(city_factory([
        main("B0", [(0, -20), (0, 0)], pressure_class="medium_b", pressure_mpa=0.15),
        main("T1", [(0, 0.3), (0, 100)]),              # 0.3 m gap: snapped
        main("R1", [(0.2, 50), (40, 50)])]))           # touches T1's interior: T1 splits
    assert net.summary()["components"] == 1 and net.summary()["edges"] == 4
    assert net.faults == []


def test_topology_faults_name_the_asset_and_reason(city_factory):
    reg = city_factory(LOOP_MAINS + [
        main("N1", [(61.2, 40), (100, 40)]),                 # near miss: 1.2 m from (60, 40)
        main("X1", [(300, 0), (300, 30)]),                   # island: touches nothing
        main("RING", [(200, 0), (220, 0), (220, 20), (200, 0)]),  # ends where it starts
        main("OV", [(10, 80), (50, 80)]),                    # lies on R3
    ], safety_valves=[(30, 48), (30, 400)])                 # the second is 320 m from any main
    net = build_network(reg)
    assert kinds(net, "near_miss") == ["N1"]
    assert kinds(net, "dangle") == ["N1", "X1"]
    assert kinds(net, "no_feed") == ["N1", "RING", "X1"]
    assert kinds(net, "self_loop") == ["RING"]
    assert kinds(net, "overlap") == ["R3"]
    far = [f for f in net.faults if f["kind"] == "unconnected_valve"]
    assert len(far) == 1 and "320 m from the nearest main" in far[0]["reason"]
    near_miss = next(f for f in net.faults if f["kind"] == "near_miss")
    assert near_miss["reason"].startswith("end 1.20 m from another main")
    assert 114 < near_miss["lon"] < 115 and near_miss["courtyard"] == "甲小区"


def test_a_line_valve_off_every_main_is_reported(city_factory):
    net = build_network(city_factory(LOOP_MAINS, line_valves={"VX": (30, 30, "open")}))
    assert [(f["kind"], f["asset"]) for f in net.faults] == [("valve_off_main", "VX")]


def test_total_length_matches_the_geodesic_length_to_0_1_percent(city_factory):
    """The GK metric length of long mains agrees with the ellipsoid's (CGCS2000) geodesic."""
    long = [main(f"L{k}", [(k * 500.0, 0), (k * 500.0 + 300, 4000)]) for k in range(4)]
    reg = city_factory(long)
    net = build_network(reg)
    geod = pyproj.Geod(ellps="GRS80")
    geodesic = sum(geod.geometry_length(g) for g in reg.query(layer="gas_mains").geometry)
    assert net.total_km() * 1000 == pytest.approx(geodesic, rel=1e-3)
    assert net.total_km() == pytest.approx(4 * np.hypot(300, 4000) / 1000, rel=1e-3)


def test_empty_and_degenerate_input_do_not_crash(city_factory):
    reg = city_factory([main("Z", [(0, 0), (0, 0.1)])])   # shorter than the snap tolerance
    net = build_network(reg)
    assert kinds(net, "self_loop") == ["Z"]
    assert shapely.length(net.topo.edges).sum() == pytest.approx(0.1, abs=1e-3)
