"""Bulk-building a GeoPackage's R*Tree index: packed nodes written straight into SQLite's
shadow tables, instead of a million one-by-one R*Tree inserts.

SQLite's R*Tree keeps its nodes in ``<name>_node`` (node number → blob), leaf membership in
``<name>_rowid`` and the tree's shape in ``<name>_parent``. A node blob is a 2-byte tree depth
(root only), a 2-byte cell count, then cells of an 8-byte id and four 32-bit floats
(minx, maxx, miny, maxy), all big-endian, zero-padded to the table's node size. Boxes are
rounded outwards to float32, as SQLite itself does. The leaves are packed in
Sort-Tile-Recursive order, so neighbouring assets share nodes; ``rtreecheck()`` verifies the
result in the tests. This is the same idea GDAL uses when it writes a GeoPackage.

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
>>> pack(conn, "r", np.arange(1, 101), np.random.default_rng(1).random((100, 4)).cumsum(1))
>>> conn.execute("SELECT rtreecheck('r')").fetchone()[0]
'ok'
"""
from __future__ import annotations

import math
import sqlite3

import numpy as np

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])


def pack(conn: sqlite3.Connection, rtree: str, ids: np.ndarray, bounds: np.ndarray) -> None:
    """Replace the contents of R*Tree `rtree` by entries `ids` with `bounds` (n × minx, miny,
    maxx, maxy), inside the caller's transaction."""
    node_size = _node_size(conn, rtree)
    per_node = (node_size - 4) // _CELL.itemsize
    for shadow in ("node", "rowid", "parent"):
        conn.execute(f'DELETE FROM "{rtree}_{shadow}"')
    order = _str_order(bounds, per_node)
    cells = np.empty(len(ids), dtype=_CELL)
    cells["id"] = np.asarray(ids)[order]
    cells["box"] = _outward(bounds[order][:, [0, 2, 1, 3]])
    _write_levels(conn, rtree, cells, per_node, node_size)


def _node_size(conn: sqlite3.Connection, rtree: str) -> int:
    row = conn.execute(f'SELECT length(data) FROM "{rtree}_node" WHERE nodeno = 1').fetchone()
    return row[0]


def _str_order(bounds: np.ndarray, per_node: int) -> np.ndarray:
    """Sort-Tile-Recursive order: vertical slices by x, then y within each slice."""
    n = len(bounds)
    if n == 0:
        return np.arange(0)
    cx = (bounds[:, 0] + bounds[:, 2]) / 2
    cy = (bounds[:, 1] + bounds[:, 3]) / 2
    leaves = math.ceil(n / per_node)
    per_slice = per_node * math.ceil(math.sqrt(leaves))
    by_x = np.argsort(cx, kind="stable")
    slice_of = np.empty(n, dtype=np.int64)
    slice_of[by_x] = np.arange(n) // per_slice
    return np.lexsort((cy, slice_of))


def _outward(boxes: np.ndarray) -> np.ndarray:
    """(minx, maxx, miny, maxy) as float32 that still contain the float64 box."""
    single = boxes.astype(np.float32)
    low, high = single[:, [0, 2]], single[:, [1, 3]]
    low[:] = np.where(low > boxes[:, [0, 2]], np.nextafter(low, np.float32(-np.inf)), low)
    high[:] = np.where(high < boxes[:, [1, 3]], np.nextafter(high, np.float32(np.inf)), high)
    single[:, [0, 2]], single[:, [1, 3]] = low, high
    return single


def _write_levels(conn: sqlite3.Connection, rtree: str, cells: np.ndarray, per_node: int,
                  node_size: int) -> None:
    """Write the leaves, then each level above, until one node — the root, number 1 — holds
    the rest."""
    depth, next_node = 0, 2
    while True:
        groups = max(1, math.ceil(len(cells) / per_node))
        numbers = np.array([1]) if groups == 1 else np.arange(next_node, next_node + groups)
        next_node += 0 if groups == 1 else groups
        members = np.repeat(numbers, per_node)[:len(cells)]
        _write_nodes(conn, rtree, cells, numbers, per_node, node_size, depth if groups == 1 else 0)
        table, column = ("rowid", "nodeno") if depth == 0 else ("parent", "parentnode")
        conn.executemany(f'INSERT INTO "{rtree}_{table}" (rowid, {column}) VALUES (?, ?)',
                         zip(cells["id"].tolist(), members.tolist()))
        if groups == 1:
            return
        cells = _parents(cells, numbers, per_node)
        depth += 1


def _write_nodes(conn: sqlite3.Connection, rtree: str, cells: np.ndarray, numbers: np.ndarray,
                 per_node: int, node_size: int, depth: int) -> None:
    raw = cells.tobytes()
    size = _CELL.itemsize
    blobs = []
    for i, number in enumerate(numbers.tolist()):
        chunk = raw[i * per_node * size:(i + 1) * per_node * size]
        header = depth.to_bytes(2, "big") + (len(chunk) // size).to_bytes(2, "big")
        blobs.append((number, (header + chunk).ljust(node_size, b"\0")))
    conn.executemany(f'INSERT INTO "{rtree}_node" (nodeno, data) VALUES (?, ?)', blobs)


def _parents(cells: np.ndarray, numbers: np.ndarray, per_node: int) -> np.ndarray:
    """One cell per node just written: its number and the box around its children."""
    starts = np.arange(0, len(cells), per_node)
    boxes = cells["box"]
    up = np.empty(len(numbers), dtype=_CELL)
    up["id"] = numbers
    up["box"][:, 0] = np.minimum.reduceat(boxes[:, 0], starts)
    up["box"][:, 1] = np.maximum.reduceat(boxes[:, 1], starts)
    up["box"][:, 2] = np.minimum.reduceat(boxes[:, 2], starts)
    up["box"][:, 3] = np.maximum.reduceat(boxes[:, 3], starts)
    return up
