"""Asset identifiers: random (version 4) UUIDs, made a million at a time.

Calling `uuid.uuid4()` a million times costs seconds; the same random bits formatted with
numpy cost a fraction of that, and give the same RFC 4122 version-4 UUIDs.

>>> import uuid
>>> [str(uuid.UUID(u).version) for u in new_uuids(2)]
['4', '4']
"""
from __future__ import annotations

import os

import numpy as np

_HYPHENS_AFTER = (8, 12, 16, 20)


def new_uuids(n: int) -> np.ndarray:
    """`n` fresh random UUID strings (object array)."""
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexes = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S1").reshape(n, 32)
    parts = np.split(hexes, _HYPHENS_AFTER, axis=1)
    dash = np.full((n, 1), b"-", dtype="S1")
    joined = np.concatenate([p for part in parts for p in (part, dash)][:-1], axis=1)
    text = joined.tobytes().decode("ascii")
    return np.array([text[i:i + 36] for i in range(0, len(text), 36)], dtype=object)
