"""GeoPackage geometry blobs (GPKG header + WKB), encoded and decoded on whole arrays.

Points — most of a city's assets — take a fixed-size fast path built with numpy; other
geometries go through shapely's WKB writer with a 2-D envelope in the header.

>>> import shapely
>>> blobs = encode([shapely.Point(114.5, 38.0)], 4490)
>>> decode(blobs)[0].wkt
'POINT (114.5 38)'
"""
from __future__ import annotations

import struct
from typing import Sequence

import numpy as np
import shapely

#: Bytes of envelope for each envelope indicator of the header flags (GeoPackage 1.3, 2.1.3).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
#: A little-endian 2-D point blob: header without envelope, then WKB type 1 and x, y.
_POINT_BLOB = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"),
                        ("order", "u1"), ("wkb_type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def encode(geoms: Sequence | np.ndarray, srs_id: int) -> list[bytes | None]:
    """GPKG blobs for geometries; points carry no envelope, others a 2-D one."""
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    if len(geoms) and (types == 0).all() and not shapely.is_empty(geoms).any():
        return _encode_points(geoms, srs_id)
    wkb = shapely.to_wkb(geoms, byte_order=1, output_dimension=2)
    header = b"GP\x00\x03" + struct.pack("<i", srs_id)
    envelopes = shapely.bounds(geoms)[:, [0, 2, 1, 3]].astype("<f8").tobytes()
    return [None if w is None else header + envelopes[i * 32:(i + 1) * 32] + w
            for i, w in enumerate(wkb.tolist())]


def _encode_points(points: np.ndarray, srs_id: int) -> list[bytes | None]:
    rows = np.empty(len(points), dtype=_POINT_BLOB)
    rows["magic"], rows["version"], rows["flags"], rows["srs"] = b"GP", 0, 1, srs_id
    rows["order"], rows["wkb_type"] = 1, 1
    xy = shapely.get_coordinates(points)
    rows["x"], rows["y"] = xy[:, 0], xy[:, 1]
    raw, size = rows.tobytes(), _POINT_BLOB.itemsize
    return [raw[i:i + size] for i in range(0, len(raw), size)]


def header_length(blob: bytes) -> int:
    """Length of a blob's GPKG header (8 bytes plus its envelope)."""
    return 8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0x07]


def point_xy(blobs: Sequence[bytes | None]) -> np.ndarray | None:
    """(n × 2) coordinates when every blob is a plain 2-D point, else None — no shapely
    objects made, and no Python step per blob (their lengths come through `map`).

    >>> import shapely
    >>> point_xy(encode([shapely.Point(114.5, 38.0)], 4490)).tolist()
    [[114.5, 38.0]]
    """
    try:
        lengths = np.fromiter(map(len, blobs), dtype=np.intp,  # type: ignore[arg-type]
                              count=len(blobs))
    except TypeError:  # a missing geometry
        return None
    if not (lengths == _POINT_BLOB.itemsize).all():
        return None
    rows = np.frombuffer(b"".join(blobs), dtype=_POINT_BLOB)  # type: ignore[arg-type]
    if not ((rows["flags"] == 1) & (rows["wkb_type"] == 1)).all():
        return None
    return np.column_stack([rows["x"], rows["y"]]).reshape(-1, 2)


def decode(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries from GPKG blobs (None stays None)."""
    xy = point_xy(blobs) if len(blobs) else None
    if xy is not None:
        return shapely.points(xy)
    wkb = [None if b is None else b[header_length(b):] for b in blobs]
    return shapely.from_wkb(np.array(wkb, dtype=object))


def envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob, from its header when present; None when empty."""
    if blob is None or blob[3] & 0x10:
        return None
    if (blob[3] >> 1) & 0x07:
        return struct.unpack("<dddd" if blob[3] & 1 else ">dddd", blob[8:40])
    geom = shapely.from_wkb(blob[header_length(blob):])
    if geom.is_empty:
        return None
    minx, miny, maxx, maxy = geom.bounds
    return minx, maxx, miny, maxy
