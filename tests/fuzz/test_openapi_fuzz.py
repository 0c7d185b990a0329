"""Schemathesis against the app's own OpenAPI document, over HTTP to a served app: whatever
the generated requests hold, valid or malformed, no answer is a 5xx. The document covers
OGC API Features and every ``/api/...`` endpoint; the registry is the synthetic city of the
browser tests (every layer filled). Examples per operation are bounded so the whole run
stays well under two minutes."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

import registry
from browser.chromium import serving
from browser.city import build_city
from web.app import create_app
from open_access import OPEN

#: Examples per operation and mode; an upload starts a child process, so it gets fewer.
EXAMPLES = {"positive": 10, "negative": 10}
UPLOAD_EXAMPLES = 3


@pytest.fixture(scope="module")
def served_app(module_location: Callable[[], str], tmp_path_factory: pytest.TempPathFactory):
    path = module_location()
    build_city(path).close()
    return create_app({"REGISTRY": path, "TESTING": True, **OPEN,
                       "UPLOAD_TMP": str(tmp_path_factory.mktemp("uploads"))})


@pytest.fixture(scope="module")
def operations(served_app) -> Iterator[list]:
    # Over HTTP, not WSGI: the /api paths carry their own server (the site root), which
    # schemathesis' WSGI transport does not apply.
    with serving(served_app) as url:
        api = schemathesis.openapi.from_url(f"{url}/ogcapi/openapi")
        yield [result.ok() for result in api.get_all_operations()]


def test_the_document_covers_every_api_route(served_app, operations) -> None:
    documented = {(op.method.upper(), op.path) for op in operations}
    for rule in served_app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            route = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, route) in documented, f"{method} {rule.rule} is not documented"
    assert len(operations) >= 4 * len(registry.load_layers()) + 30


@pytest.mark.parametrize("mode", sorted(EXAMPLES))
def test_no_request_makes_the_server_fail(operations, mode: str) -> None:
    # Schemathesis' own pytest plugin does not run under pytest 9 yet, so each operation's
    # strategy drives a plain Hypothesis test.
    for operation in operations:
        count = UPLOAD_EXAMPLES if operation.path == "/api/imports" else EXAMPLES[mode]
        fuzz(operation, GenerationMode(mode), count)


def fuzz(operation, mode: GenerationMode, examples: int) -> None:
    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(generation_mode=mode))
    def requests(case) -> None:
        case.call_and_validate(checks=[not_a_server_error])
    try:
        requests()
    except Unsatisfiable:
        # An operation with nothing to break (no parameter, no body) has no negative case.
        assert mode == GenerationMode.NEGATIVE, operation.label
