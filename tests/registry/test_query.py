"""The query object refuses what no storage could answer."""
from __future__ import annotations

import pytest
import shapely

from registry import Query
from registry.errors import InvalidInput


@pytest.mark.parametrize("kwargs, message", [
    ({"offset": 126574068618450814153785344}, "at most"),
    ({"limit": -1}, "must not be negative"),
    ({"bbox": (114.6, 38.0, 114.5, 38.1)}, "min above max"),
    ({"distance_m": 50}, "distance_m needs a geometry"),
    ({"nearest": shapely.Point(114.5, 38.0), "k": 0}, "k must be at least 1"),
    ({"geometry": shapely.Point(114.5, 38.0), "predicate": "touches"}, "predicate must be one of"),
])
def test_impossible_queries_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Query("drains", **kwargs)
