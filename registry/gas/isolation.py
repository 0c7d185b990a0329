"""Isolation trace: for a break on a main, the valves to close and who loses gas.

The model. Gas enters each courtyard at its feed points (`registry.gas.faults`). Valves sit at
nodes: every feed point and every regulator (where medium meets low pressure) carries one, and
line valves (documents of kind ``gas_valves``, open or closed) split the main they lie on. A
closed valve passes no gas in any direction.

1. From the broken main, walk the network until a valve stops the walk: those valves are the
   ones to close (closed ones are already shut) and the mains walked are the shutdown zone.
2. With those valves closed too, every main no longer reachable from an open feed is without
   gas; mains already without gas before the break (behind valves closed earlier) are not
   counted as losing it.
3. Buildings are served by their nearest main (within ``building_max_distance_m``); those on
   mains that lose gas lose it, with their households.

>>> from registry.gas.topology import build_topology
>>> import shapely
>>> chain = np.array([shapely.LineString([(0, 0), (10, 0)]), shapely.LineString([(10, 0), (20, 0)]),
...                   shapely.LineString([(20, 0), (30, 0)])], dtype=object)
>>> topo = build_topology(chain, 0.5, shapely.points([(10, 0)]))
>>> valves = {int(topo.point_node[0]): ("line", "V1", "open")}
>>> zone, bounds = shutdown_zone(topo, 2, valves)
>>> zone.tolist(), bounds
([1, 2], [1])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from registry.errors import InvalidInput, NotFound
from registry.gas.buildings import buildings
from registry.gas.network import GasNetwork, build_network, registry_stamp
from registry.gas.rules import GasRules, load_rules
from registry.gas.topology import Topology

if TYPE_CHECKING:
    from registry.api import Registry

#: A valve node: (kind, key, state), kind one of feed, regulator, line.
Valve = tuple[str, str, str]


def valve_nodes(net: GasNetwork) -> dict[int, Valve]:
    """Every valve of the network by node: feeds, regulators and line valves (kept on the
    network: it depends on nothing else; do not modify it)."""
    return net.kept("valve_nodes", None, lambda: _valve_nodes(net))


def _valve_nodes(net: GasNetwork) -> dict[int, Valve]:
    found: dict[int, Valve] = {int(n): ("feed", f"F{int(n)}", "open") for n in net.feeds}
    found.update({int(n): ("regulator", f"R{int(n)}", "open") for n in net.regulators})
    for key, node, state in zip(net.valves["key"], net.valves["node"], net.valves["state"]):
        found[int(node)] = ("line", str(key), str(state))
    return found


def shutdown_zone(topo: Topology, edge: int, valves: dict[int, Valve]) -> tuple[np.ndarray, list[int]]:
    """Edges reached from `edge` without crossing a valve, and the valves to shut it in: feed
    valves it reaches, and other valves between it and a main outside it."""
    stop = np.array(sorted(valves), dtype=int)
    label = _labels(topo, stop)
    inside = label[: len(topo.edges)] == label[edge]
    zone = np.flatnonzero(inside)
    ends = np.concatenate([topo.source, topo.target])
    within = np.concatenate([inside, inside])
    touched = set(ends[within & np.isin(ends, stop)].tolist())
    outside = set(ends[~within].tolist())
    return zone, sorted(n for n in touched if valves[n][0] == "feed" or n in outside)


def _labels(topo: Topology, cut: np.ndarray, sources: np.ndarray | None = None) -> np.ndarray:
    """Component label of each edge (first len(edges) entries) with the nodes in `cut` split
    apart, plus one virtual node joined to `sources` (last entry)."""
    n, m = len(topo.node_xy), len(topo.edges)
    ends = np.concatenate([topo.source, topo.target])
    split = np.isin(ends, cut)
    ends = np.where(split, n + np.arange(ends.size), ends)  # a cut node: one node per edge end
    edge_ids = np.arange(m) + n + ends.size + 1
    virtual = n + ends.size
    sources = np.empty(0, int) if sources is None else sources
    rows = np.concatenate([ends, np.full(sources.size, virtual)])
    cols = np.concatenate([np.tile(edge_ids, 2), sources])
    size = edge_ids[-1] + 1 if m else virtual + 1
    graph = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(size, size))
    label = connected_components(graph, directed=False)[1]
    return np.concatenate([label[edge_ids], [label[virtual]]])


def without_gas(topo: Topology, feeds: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Edges no open feed reaches when the valve nodes `closed` are shut."""
    open_feeds = feeds[~np.isin(feeds, closed)]
    label = _labels(topo, closed, open_feeds)
    return np.flatnonzero(label[:-1] != label[-1])


def isolate(reg: Registry, *, uuid: str | None = None, lonlat: tuple[float, float] | None = None,
            net: GasNetwork | None = None, rules: GasRules | None = None) -> dict[str, Any]:
    """Trace the isolation of a break on main `uuid`, or on the main nearest `lonlat`."""
    rules = rules or load_rules()
    net = net or build_network(reg, rules)
    edge = _broken_edge(reg, net, uuid, lonlat, rules.network["trace_search_m"])
    valves = valve_nodes(net)
    zone, bounds = shutdown_zone(net.topo, edge, valves)
    shut = [v for v in bounds if valves[v][2] == "closed"]
    closed_before, before = net.kept("without_gas", None, lambda: _without_gas_now(net))
    after = without_gas(net.topo, net.feeds, np.union1d(closed_before, bounds))
    lost = np.setdiff1d(after, before)
    return _answer(reg, net, edge, zone, lost, [_valve(reg, net, valves, v) for v in bounds],
                   shut, rules)


def _without_gas_now(net: GasNetwork) -> tuple[np.ndarray, np.ndarray]:
    """The valves closed now and the edges they leave without gas: the same for every break."""
    closed = np.array([n for n, v in valve_nodes(net).items() if v[2] == "closed"], dtype=int)
    return closed, without_gas(net.topo, net.feeds, closed)


def _broken_edge(reg: Registry, net: GasNetwork, uuid: str | None,
                 lonlat: tuple[float, float] | None, search_m: float) -> int:
    if (uuid is None) == (lonlat is None):
        raise InvalidInput("give either a main's uuid or a point (lon, lat), not both or neither")
    if uuid is not None:
        rows = np.flatnonzero(net.mains["uuid"].to_numpy() == uuid)
        if rows.size == 0:
            raise NotFound(f"no gas main {uuid}")
        return int(np.flatnonzero(net.topo.owner == rows[0])[0])
    point = reg.to_metric([shapely.Point(*lonlat)])[0]
    hit, dist = shapely.STRtree(net.topo.edges).query_nearest(
        point, max_distance=search_m, return_distance=True, all_matches=False)
    if hit.size == 0:
        raise InvalidInput(f"no gas main within {search_m:g} m of ({lonlat[0]}, {lonlat[1]})")
    return int(hit[0])


def _valve(reg: Registry, net: GasNetwork, valves: dict[int, Valve], node: int) -> dict[str, Any]:
    kind, key, state = valves[node]
    lonlat = shapely.get_coordinates(reg.metric.from_metric(shapely.points([net.topo.node_xy[node]])))[0]
    return {"kind": kind, "key": key, "state": state, "node": node,
            "lon": round(float(lonlat[0]), 7), "lat": round(float(lonlat[1]), 7)}


def served_buildings(reg: Registry, net: GasNetwork, max_m: float) -> pd.DataFrame:
    """Known buildings with the edge of the main that serves each (-1: none within `max_m`).

    Snapping every building costs far more than a trace, so the snap is kept on `net` and
    done again only when the registry's `registry_stamp` moves on (a valve or building
    added, moved or retired)."""
    snap = net.kept(f"served_buildings {max_m!r}", registry_stamp(reg),
                    lambda: _snap_buildings(reg, net, max_m))
    return snap.copy()


def _snap_buildings(reg: Registry, net: GasNetwork, max_m: float) -> pd.DataFrame:
    houses = buildings(reg)
    if houses.empty or len(net.topo.edges) == 0:
        return houses.assign(edge=np.full(len(houses), -1))
    points = reg.to_metric(houses.geometry.to_numpy())
    which, edge = shapely.STRtree(net.topo.edges).query_nearest(
        points, max_distance=max_m, all_matches=False)
    serving = np.full(len(houses), -1)
    serving[which] = edge
    return houses.assign(edge=serving)


def _answer(reg: Registry, net: GasNetwork, edge: int, zone: np.ndarray, lost: np.ndarray,
            bounds: list[dict[str, Any]], shut: list[int], rules: GasRules) -> dict[str, Any]:
    length = net.edge_length_m
    houses = served_buildings(reg, net, rules.network["building_max_distance_m"])
    cut_off = houses[np.isin(houses["edge"], lost)]
    return {"main": _asset(net, edge),
            "valves_to_close": [b for b in bounds if b["node"] not in shut],
            "valves_already_closed": [b for b in bounds if b["node"] in shut],
            "isolated": _assets(net, zone), "without_gas": _assets(net, lost),
            "length_isolated_m": round(float(length[zone].sum()), 1),
            "length_without_gas_m": round(float(length[lost].sum()), 1),
            "buildings": [{"courtyard": c, "building": b, "households": int(h), "basis": s}
                          for c, b, h, s in zip(cut_off["courtyard"], cut_off["building"],
                                                cut_off["households"], cut_off["basis"])],
            "households": int(cut_off["households"].sum()),
            "edges": {"isolated": zone.tolist(), "without_gas": lost.tolist()}}


def _asset(net: GasNetwork, edge: int) -> dict[str, Any]:
    return _main(net, int(net.topo.owner[edge]))


def _assets(net: GasNetwork, edges: np.ndarray) -> list[dict[str, Any]]:
    return [_main(net, row) for row in sorted(set(net.topo.owner[edges].tolist()))]


def _main(net: GasNetwork, row: int) -> dict[str, Any]:
    mains = net.mains
    return {k: mains[k].iat[row] for k in ("uuid", "source_id", "courtyard")}


def trace_geojson(reg: Registry, net: GasNetwork, answer: dict[str, Any]) -> dict[str, Any]:
    """The trace as a GeoJSON FeatureCollection (lon/lat) for the crew: mains by role
    (isolated | without_gas), valves to close or already closed, buildings losing gas."""
    features = []
    isolated = set(answer["edges"]["isolated"])
    pieces = sorted(isolated | set(answer["edges"]["without_gas"]))
    lines = reg.metric.from_metric(net.topo.edges[pieces]) if pieces else []
    for e, line in zip(pieces, lines):
        role = "isolated" if e in isolated else "without_gas"
        features.append(_feature(line, {"role": role, **_asset(net, e),
                                        "length_m": round(float(net.edge_length_m[e]), 1)}))
    for key, role in (("valves_to_close", "close"), ("valves_already_closed", "closed")):
        features += [_feature(shapely.Point(v["lon"], v["lat"]),
                              {"role": f"valve_{role}", "kind": v["kind"], "key": v["key"]})
                     for v in answer[key]]
    return {"type": "FeatureCollection", "features": features,
            "properties": {k: answer[k] for k in ("main", "households", "length_isolated_m",
                                                  "length_without_gas_m")}}


def _feature(geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
            "properties": properties}
