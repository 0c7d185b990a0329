"""The gas module on the whole network: isolation traces and the renovation scope with its
courtyard scores, beside the same answers worked out by hand from the raw data.

- Isolation: `registry.gas.isolation.isolate` of a break on a random main (network built
  once), beside networkx on the raw edge list of the same topology (``source``, ``target``,
  the valve nodes and feeds): a walk from the broken main that stops at valves, then the
  mains no open feed reaches once those valves are shut. Both must name the same shut-in
  mains, the same valves and the same mains left without gas.
- Scope: `renovation_scope` + `courtyard_candidates` (every main judged against
  ``layers/gas/scope.toml``, its leaks and inspections read from the maintenance events, and
  the courtyards scored), beside hand-written SQL on the GeoPackage and pandas applying the
  same rules; both must put the same mains in scope and the same number in each courtyard.
  Scoring is no graph problem, so its peer is pandas, not networkx.

    python -m bench --only gas
"""
from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from bench.registry_bench import Bench, _agree
from bench.report import Figure, Row
from bench.timing import Timings
from registry.gas.isolation import isolate, valve_nodes
from registry.gas.network import GasNetwork, build_network
from registry.gas.risk import NO_COURTYARD, courtyard_candidates
from registry.gas.rules import load_rules
from registry import Registry
from registry.gas.scope import Scope, renovation_scope

BREAKS = 8
SCOPE_REPEATS = 3
#: The programme year the scope is judged in.
YEAR = 2026


def gas_job(b: Bench) -> list[Row]:
    """The isolation and scope rows; building the network is a note."""
    took = Timings()
    net = took.time(build_network, b.reg)
    b.notes.append(f"gas: build_network of {len(net.mains):,} mains took {took.p50:.1f} s "
                   f"({len(net.topo.edges):,} edges, {len(net.feeds):,} feeds, "
                   f"{int(np.unique(net.edge_component()).size):,} components: the bench "
                   "city's mains are short segments scattered over the city)")
    return [isolation_row(b, net), scope_row(b)]


# -- isolation ------------------------------------------------------------------------------
class EdgeList:
    """The raw network as networkx sees it: a multigraph keyed by edge number, the valves,
    the feeds and the valves closed before the break."""

    def __init__(self, net: GasNetwork) -> None:
        topo = net.topo
        self.source, self.target = topo.source, topo.target
        self.graph = nx.MultiGraph()
        self.graph.add_nodes_from(range(len(topo.node_xy)))
        self.graph.add_edges_from(zip(topo.source.tolist(), topo.target.tolist(),
                                      range(len(topo.edges))))
        valves = valve_nodes(net)
        self.valves = set(valves)
        self.feeds = set(net.feeds.tolist())
        self.closed = {n for n, v in valves.items() if v[2] == "closed"}

    def trace(self, edge: int) -> tuple[set[int], set[int], set[int]]:
        """Shut-in edges, the valve nodes bounding them and the edges that lose gas."""
        zone = self.walk(edge)
        ends = {int(n) for e in zone for n in (self.source[e], self.target[e])}
        outside = {n for n in ends & self.valves
                   if any(k not in zone for *_, k in self.graph.edges(n, keys=True))}
        bounds = {n for n in ends & self.valves if n in self.feeds} | outside
        lost = self.without_gas(self.closed | bounds) - self.without_gas(self.closed)
        return zone, bounds, lost

    def walk(self, edge: int) -> set[int]:
        """Edges reached from `edge` through nodes that carry no valve."""
        zone, seen = {edge}, set()
        stack = [int(n) for n in (self.source[edge], self.target[edge])]
        while stack:
            node = stack.pop()
            if node in seen or node in self.valves:
                continue
            seen.add(node)
            for _, other, key in self.graph.edges(node, keys=True):
                zone.add(key)
                stack.append(other)
        return zone

    def without_gas(self, closed: set[int]) -> set[int]:
        """Edges with no end reached from an open feed when the `closed` nodes pass no gas."""
        view = nx.restricted_view(self.graph, closed, [])
        open_feeds = self.feeds - closed
        reached: set[int] = set()
        for part in nx.connected_components(view):
            if not open_feeds.isdisjoint(part):
                reached |= part
        has_gas = np.isin(self.source, list(reached)) | np.isin(self.target, list(reached))
        return set(np.flatnonzero(~has_gas).tolist())


def isolation_row(b: Bench, net: GasNetwork) -> Row:
    """`isolate` on `BREAKS` random mains beside the networkx trace of the same break."""
    ours, peer, build = Timings(), Timings(), Timings()
    edges = build.time(EdgeList, net)
    rng = np.random.default_rng([b.city.seed, 5])
    rules = load_rules()
    for row in rng.choice(len(net.mains), BREAKS, replace=False):
        uuid = str(net.mains["uuid"].iloc[row])
        answer = ours.time(partial(isolate, uuid=uuid, net=net, rules=rules), b.reg)
        edge = int(np.flatnonzero(net.topo.owner == row)[0])
        zone, bounds, lost = peer.time(edges.trace, edge)
        _same_trace(answer, zone, bounds, lost)
    b.notes.append(f"isolation: {BREAKS} breaks; networkx's graph of the edge list took "
                   f"{build.p50:.1f} s to build (not in its figure, as the network's is not "
                   "in ours); isolate() also finds the buildings and households cut off, "
                   "which the networkx trace does not")
    return Row(f"gas isolation trace, whole network ({len(net.mains):,} mains)",
               Figure("isolate()", ours), [Figure("networkx on the edge list", peer)])


def _same_trace(answer: dict[str, Any], zone: set[int], bounds: set[int],
                lost: set[int]) -> None:
    valves = {v["node"] for v in answer["valves_to_close"] + answer["valves_already_closed"]}
    if (set(answer["edges"]["isolated"]), valves, set(answer["edges"]["without_gas"])) != \
            (zone, bounds, lost):
        raise RuntimeError("gas isolation: isolate() and networkx traced different answers")


# -- scope ----------------------------------------------------------------------------------
def scope_row(b: Bench) -> Row:
    """The renovation scope and courtyard scores, beside SQL + pandas with the same rules."""
    ours, peer = Timings(), Timings()
    for _ in range(SCOPE_REPEATS):
        scope, candidates = ours.time(scored_scope, b.reg)
        in_scope, courtyards = peer.time(hand_scope, b.registry_path)
    mine = set(scope.segments.loc[scope.segments["in_scope"], "uuid"])
    _agree("gas scope, mains in scope", len(mine), len(in_scope))
    if mine != in_scope or dict(zip(candidates["courtyard"], candidates["segments"])) != courtyards:
        raise RuntimeError("gas scope: the registry and the hand-written scope differ")
    b.notes.append(f"gas scope: {len(mine):,} of {len(scope.segments):,} mains in scope in "
                   f"{len(candidates):,} courtyards; the pandas peer counts segments per "
                   "courtyard but computes no score terms")
    return Row(f"gas renovation scope + courtyard scores ({len(scope.segments):,} mains)",
               Figure("renovation_scope + courtyard_candidates", ours),
               [Figure("hand SQL + pandas, same rules", peer)])


def scored_scope(reg: Registry) -> tuple[Scope, pd.DataFrame]:
    """What the gas programme page computes: the scope, then its courtyards scored."""
    scope = renovation_scope(reg, year=YEAR)
    return scope, courtyard_candidates(reg, scope)


def hand_scope(path: Any) -> tuple[set[str], dict[str, int]]:
    """Mains to replace and their segments per courtyard, from the GeoPackage's tables."""
    rules = load_rules().scope["scope"]
    with sqlite3.connect(path) as conn:
        mains = pd.read_sql("SELECT uuid, material, install_year, hazard_assessed, "
                            "hazard_controllable, occupied, pipe_kind, renovation_status, "
                            "courtyard FROM gas_mains WHERE retired_at IS NULL", conn)
        events = pd.read_sql("SELECT uuid, kind, condition_after FROM maintenance_events "
                             "WHERE layer = 'gas_mains'", conn)
    worst = pd.to_numeric(events["condition_after"], errors="coerce")
    marked = events.loc[events["kind"].isin(rules["hazard_event_kinds"])
                        | ((events["kind"] == "inspection")
                           & (worst >= rules["hazard_inspection_condition"])), "uuid"]
    hazard = (mains["hazard_assessed"].fillna(0).astype(bool) | mains["uuid"].isin(marked))
    age = YEAR - pd.to_numeric(mains["install_year"], errors="coerce")
    riser = mains["pipe_kind"] == "riser"
    uncontrollable = mains["hazard_controllable"].eq(0)
    by_age = (mains["material"].isin(rules["aged"]) | riser) & hazard & (
        (age >= rules["min_age_years"]) | ((age < rules["min_age_years"]) & uncontrollable))
    assessed_unfit = mains["material"].isin(list(rules["assessed"])) & ~riser & hazard
    chosen = (mains["renovation_status"] != "not_in_scope") & (
        mains["occupied"].fillna(0).astype(bool) | mains["material"].isin(list(rules["always"]))
        | assessed_unfit | by_age)
    picked = mains[chosen.to_numpy()]
    per_courtyard = picked["courtyard"].fillna(NO_COURTYARD).value_counts()
    return set(picked["uuid"]), {str(k): int(v) for k, v in per_courtyard.items()}
