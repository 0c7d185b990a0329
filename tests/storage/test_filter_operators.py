"""A comparison's operator is checked where the filter is built and again where it becomes
SQL, on both backends: an operator smuggling SQL in never reaches the database."""
from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest
import shapely

import registry
from registry import Change, Query
from registry.errors import InvalidInput
from registry.filters import Compare, Spatial

INJECTION = "= 1 OR 1=1 OR condition ="


@pytest.fixture()
def drains(registry_url: str) -> registry.Registry:
    reg = registry.create(registry_url, county="130102")
    reg.add("drains", gpd.GeoDataFrame({"condition": [1, 2, 5]},
                                       geometry=shapely.points([114.5, 114.51, 114.52], [38.04] * 3),
                                       crs=4490), Change(who="test"))
    yield reg
    reg.close()


def test_an_operator_with_sql_in_it_is_refused_when_built() -> None:
    with pytest.raises(InvalidInput, match="unknown comparison '= 1 OR 1=1"):
        Compare("condition", INJECTION, 2)
    with pytest.raises(InvalidInput, match="unknown spatial predicate"):
        Spatial("intersects) OR 1=1 --", shapely.box(0, 0, 1, 1))


def test_a_smuggled_operator_is_refused_by_the_backend(drains: registry.Registry) -> None:
    smuggled = Compare("condition", "=", 2)
    object.__setattr__(smuggled, "op", INJECTION)  # built around the check
    with pytest.raises(InvalidInput, match="unknown comparison"):
        drains.query(Query("drains", where=smuggled))


def test_a_real_comparison_still_selects(drains: registry.Registry) -> None:
    found = drains.query(Query("drains", where=Compare("condition", ">=", 2)))
    assert sorted(found["condition"]) == [2, 5]
    assert dataclasses.replace(Compare("condition", "=", 1), value=5).value == 5
