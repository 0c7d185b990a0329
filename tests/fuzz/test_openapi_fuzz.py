"""Schemathesis against the app's own OpenAPI document, in-process through WSGI: whatever
the generated requests hold, no answer is a 500. Examples per operation are bounded so the
whole run stays well under two minutes."""
from __future__ import annotations

from typing import Callable

import geopandas as gpd
import pytest
import schemathesis
import shapely
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

import registry
from registry import Change
from web.app import create_app
from open_access import OPEN

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def served_app(module_location: Callable[[], str]):
    path = module_location()
    reg = registry.create(path, county="130102")
    reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
                                      geometry=[shapely.box(114.45, 38.0, 114.57, 38.08)],
                                      crs=4490), Change(who="test"))
    reg.add("drains", gpd.GeoDataFrame({"depth_m": [1.2, 2.0], "condition": [1, 5]},
                                       geometry=shapely.points([114.5, 114.51], [38.04, 38.05]),
                                       crs=4490), Change(who="test"))
    reg.close()
    return create_app({"REGISTRY": path, "TESTING": True, **OPEN})


def test_no_request_makes_the_server_fail(served_app) -> None:
    # Schemathesis' own pytest plugin does not run under pytest 9 yet, so each operation's
    # strategy drives a plain Hypothesis test.
    api = schemathesis.openapi.from_wsgi("/ogcapi/openapi", served_app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 4 * len(registry.load_layers())
    for operation in operations:
        fuzz(operation)


def fuzz(operation) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def requests(case) -> None:
        case.call_and_validate(checks=[not_a_server_error])
    requests()
