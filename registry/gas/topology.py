"""Node-edge topology of line assets in a metric CRS: snap ends, split at junctions, number nodes.

Everything here works on whole shapely 2 arrays in metres. Line ends closer than the snap
tolerance become one node (single-linkage clusters, found with an STRtree and
`scipy.sparse.csgraph.connected_components`); a line end (or a valve) touching another line's
interior splits that line there. Geometry is never moved: lengths stay those of the survey.

>>> import shapely
>>> tee = [shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(50, 0.3), (50, 40)])]
>>> topo = build_topology(np.array(tee, dtype=object), tolerance=0.5)
>>> len(topo.edges), len(topo.node_xy), topo.degree().tolist()
(3, 4, [1, 3, 1, 1])
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.ops import substring


@dataclass(frozen=True)
class Topology:
    """Edges (pieces of the input lines) between numbered nodes, in metres.

    ``owner[i]`` is the input line edge ``i`` came from; ``source``/``target`` its end nodes;
    ``point_node[j]`` the node extra point ``j`` (a valve) landed on.
    """

    edges: np.ndarray
    owner: np.ndarray
    source: np.ndarray
    target: np.ndarray
    node_xy: np.ndarray
    point_node: np.ndarray

    def degree(self) -> np.ndarray:
        """How many edge ends meet at each node (a self-loop counts twice)."""
        n = len(self.node_xy)
        return np.bincount(self.source, minlength=n) + np.bincount(self.target, minlength=n)

    def components(self) -> np.ndarray:
        """Connected component of each node."""
        return connected_components(self.adjacency(), directed=False)[1]

    def adjacency(self, keep: np.ndarray | None = None) -> coo_matrix:
        """Node-node adjacency of the edges (only those where `keep` is true)."""
        keep = np.ones(len(self.edges), bool) if keep is None else keep
        n = len(self.node_xy)
        s, t = self.source[keep], self.target[keep]
        return coo_matrix((np.ones(s.size), (s, t)), shape=(n, n))


def build_topology(lines: np.ndarray, tolerance: float,
                   points: np.ndarray | None = None) -> Topology:
    """The topology of metric `lines`; `points` (valves) split the lines they lie on."""
    points = np.empty(0, dtype=object) if points is None else points
    parts, owner = shapely.get_parts(lines, return_index=True)
    cuts = _cuts(parts, points, tolerance)
    edges, edge_part = _split(parts, cuts)
    ends = np.concatenate([shapely.get_point(edges, 0), shapely.get_point(edges, -1), points])
    label = cluster(ends, tolerance)
    n = len(edges)
    return Topology(edges, owner[edge_part], label[:n], label[n:2 * n],
                    _centres(ends, label), label[2 * n:])


def cluster(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Cluster label of each point: points within `tolerance` (chained) share one.

    >>> cluster(shapely.points([(0, 0), (0.3, 0), (0.6, 0), (5, 5)]), 0.5).tolist()
    [0, 0, 0, 1]
    """
    if len(points) == 0:
        return np.empty(0, dtype=int)
    a, b = shapely.STRtree(points).query(points, predicate="dwithin", distance=tolerance)
    graph = coo_matrix((np.ones(a.size), (a, b)), shape=(len(points), len(points)))
    return connected_components(graph, directed=False)[1]


def _centres(points: np.ndarray, label: np.ndarray) -> np.ndarray:
    xy = shapely.get_coordinates(points)
    count = np.bincount(label)
    return np.column_stack([np.bincount(label, xy[:, 0]) / count,
                            np.bincount(label, xy[:, 1]) / count])


def _cuts(parts: np.ndarray, points: np.ndarray, tolerance: float) -> dict[int, list[float]]:
    """Where each part must be split: distances along it of other parts' ends and of points
    that touch its interior (not within `tolerance` of its own ends)."""
    own = np.concatenate([np.arange(len(parts))] * 2 + [np.full(len(points), -1)])
    probes = np.concatenate([shapely.get_point(parts, 0), shapely.get_point(parts, -1), points])
    probe, part = shapely.STRtree(parts).query(probes, predicate="dwithin", distance=tolerance)
    keep = part != own[probe]
    probe, part = probe[keep], part[keep]
    at = shapely.line_locate_point(parts[part], probes[probe])
    inside = (at > tolerance) & (at < shapely.length(parts[part]) - tolerance)
    cuts: dict[int, list[float]] = {}
    for p, d in zip(part[inside].tolist(), at[inside].tolist()):
        cuts.setdefault(p, []).append(d)
    return cuts


def _split(parts: np.ndarray, cuts: dict[int, list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of the parts cut at `cuts`, and the part each piece came from."""
    if not cuts:
        return parts, np.arange(len(parts))
    pieces: list[object] = []
    origin: list[int] = []
    for i, part in enumerate(parts):
        stops = [0.0, *sorted(set(cuts.get(i, []))), float(part.length)]
        for a, b in zip(stops[:-1], stops[1:]):
            pieces.append(substring(part, a, b) if len(stops) > 2 else part)
            origin.append(i)
    return np.array(pieces, dtype=object), np.array(origin)
