"""Topology faults of a gas network and its feed points, each with asset, reason and location.

Feed points are where gas enters a courtyard: the free end of a medium-pressure branch (it
leaves the street main there). A component with no medium-pressure end has none; its free end
on the widest main is taken as its feed and the component is reported (``no_feed``).

A free end (touching nothing) of a fed component is a dead end, where a main stops at the
last building it serves: normal, and only counted. A free end of an unfed component (an
island) is a fault, a **dangle**, unless it is the island's assumed feed. A free end within
`near_miss_m` of another main, beyond the snap tolerance, is a **near miss** wherever it is.

>>> from registry.gas.topology import build_topology
>>> lines = np.array([shapely.LineString([(0, 0), (10, 0)]),
...                   shapely.LineString([(11.2, 0), (20, 0)])], dtype=object)
>>> topo = build_topology(lines, 0.5)
>>> attrs = Attributes(np.array(["medium_b", "low"]), np.array([100, 50.]))
>>> [f["kind"] for f in topology_faults(topo, attrs, 0.5, 2.0)[1]]
['near_miss', 'near_miss', 'dangle', 'no_feed']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from registry.gas.topology import Topology

MEDIUM = ("medium_a", "medium_b")


@dataclass(frozen=True)
class Attributes:
    """Per input line: pressure class and diameter (mm, NaN: unknown)."""

    pressure_class: np.ndarray
    diameter_mm: np.ndarray


def topology_faults(topo: Topology, attrs: Attributes, tolerance: float, near_miss_m: float,
                    overlap_m: float = 1.0) -> tuple[np.ndarray, list[dict]]:
    """Feed nodes and the faults: near misses, dangles, self-loops, overlaps, unfed parts.

    Each fault is ``{"kind", "owner", "reason", "xy"}`` with `owner` the input line.
    """
    feeds, unfed = feed_nodes(topo, attrs)
    free = _free_ends(topo)
    gaps = _gaps(topo, free, tolerance, near_miss_m)
    fed = np.isin(topo.components()[free[:, 0]],
                  topo.components()[free[np.isin(free[:, 0], _medium_ends(topo, attrs)), 0]])
    faults = [_fault("near_miss", topo, e, n, f"end {gaps[n]:.2f} m from another main, "
                     f"beyond the snap tolerance of {tolerance:g} m")
              for n, e in free.tolist() if n in gaps]
    feeding = set(feeds.tolist())
    faults += [_fault("dangle", topo, e, n, "end touches no other main")
               for (n, e), f in zip(free.tolist(), fed)
               if n not in gaps and not f and n not in feeding]
    faults += _self_loops(topo) + overlaps(topo.edges, topo.owner, tolerance, overlap_m) + unfed
    return feeds, faults


def feed_nodes(topo: Topology, attrs: Attributes) -> tuple[np.ndarray, list[dict]]:
    """Free ends of medium-pressure mains; for a component with none, its widest free end."""
    feeds = list(_medium_ends(topo, attrs))
    component = topo.components()
    fed = set(component[feeds].tolist())
    unfed: list[dict] = []
    free, edge_component = _free_ends(topo), component[topo.source]  # once, not per component
    for comp in sorted(set(edge_component.tolist()) - fed):
        node, edge = _widest_free_end(topo, attrs, component, comp, free)
        feeds.append(node)
        members = topo.owner[edge_component == comp]
        unfed.append(_fault("no_feed", topo, edge, node,
                            f"part of {np.unique(members).size} main(s) with no medium-pressure"
                            " feed: it touches no branch from a street main"))
    return np.array(sorted(set(feeds)), dtype=int), unfed


def _medium_ends(topo: Topology, attrs: Attributes) -> np.ndarray:
    free = _free_ends(topo)
    return free[np.isin(attrs.pressure_class[topo.owner[free[:, 1]]], MEDIUM), 0]


def dead_ends(topo: Topology, feeds: np.ndarray) -> np.ndarray:
    """Free ends that are not feeds (terminals of mains, and dangles)."""
    free = _free_ends(topo)[:, 0]
    return free[~np.isin(free, feeds)]


def _widest_free_end(topo: Topology, attrs: Attributes, component: np.ndarray,
                     comp: int, free: np.ndarray) -> tuple[int, int]:
    mine = free[component[free[:, 0]] == comp]
    if mine.size == 0:  # a ring with no free end: any node of it
        edge = int(np.flatnonzero(component[topo.source] == comp)[0])
        return int(topo.source[edge]), edge
    width = np.nan_to_num(attrs.diameter_mm[topo.owner[mine[:, 1]]], nan=-1)
    node, edge = mine[int(np.argmax(width))]
    return int(node), int(edge)


def _free_ends(topo: Topology) -> np.ndarray:
    """(node, edge) of every node where exactly one edge end meets, and no valve sits."""
    degree = topo.degree()
    nodes = np.concatenate([topo.source, topo.target])
    edges = np.concatenate([np.arange(len(topo.edges))] * 2)
    one = (degree[nodes] == 1) & ~np.isin(nodes, topo.point_node)
    return np.column_stack([nodes[one], edges[one]])


def _gaps(topo: Topology, free: np.ndarray, tolerance: float, near_m: float) -> dict[int, float]:
    """Distance from each free end to the nearest other edge, where within `near_m`."""
    ends = shapely.points(topo.node_xy[free[:, 0]])
    probe, edge = shapely.STRtree(topo.edges).query(ends, predicate="dwithin", distance=near_m)
    other = topo.owner[edge] != topo.owner[free[probe, 1]]
    probe, edge = probe[other], edge[other]
    dist = shapely.distance(ends[probe], topo.edges[edge])
    nearest = np.full(len(free), np.inf)
    np.minimum.at(nearest, probe, dist)
    close = np.isfinite(nearest)
    return dict(zip(free[close, 0].tolist(), nearest[close].tolist()))


def _self_loops(topo: Topology) -> list[dict]:
    closed = np.flatnonzero(topo.source == topo.target)
    found = [_fault("self_loop", topo, e, int(topo.source[e]),
                    "main ends where it starts (a closed ring or zero length)")
             for e in closed.tolist()]
    crossing = np.flatnonzero(~shapely.is_simple(topo.edges))
    return found + [_fault("self_loop", topo, e, int(topo.source[e]), "main crosses itself")
                    for e in crossing.tolist() if e not in set(closed.tolist())]


def overlaps(edges: np.ndarray, owner: np.ndarray, tolerance: float,
             least_m: float = 1.0) -> list[dict]:
    """Pairs of mains running on top of each other (within `tolerance`) for ≥ `least_m`."""
    a, b = shapely.STRtree(edges).query(edges, predicate="dwithin", distance=tolerance)
    keep = (a < b) & (owner[a] != owner[b])
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(edges[a], shapely.buffer(edges[b], tolerance)))
    over = shared >= least_m
    return [{"kind": "overlap", "owner": int(owner[i]), "other": int(owner[j]),
             "reason": f"runs {m:.1f} m along another main",
             "xy": shapely.get_coordinates(shapely.point_on_surface(
                 shapely.intersection(edges[i], shapely.buffer(edges[j], tolerance))))[0]}
            for i, j, m in zip(a[over], b[over], shared[over])]


def _fault(kind: str, topo: Topology, edge: int, node: int, reason: str) -> dict:
    return {"kind": kind, "owner": int(topo.owner[edge]), "reason": reason,
            "xy": topo.node_xy[node]}
