"""The policy table: what each kind of endpoint needs."""
from __future__ import annotations

import pytest

from registry.users import PERMISSIONS
from web.app import create_app
from web.auth.policy import DENY, OPEN, permitted, requirement


@pytest.mark.parametrize("endpoint, method, permission", [
    ("ogcapi.items", "GET", "view"), ("tiles.tile", "GET", "view"),
    ("map_selection.select", "POST", "view"), ("map_selection.export", "GET", "export"),
    ("imports.upload", "POST", "import"), ("admin.audit", "GET", "admin"),
    ("cases.report", "POST", "report"), ("cases.transition", "POST", "cases"),
    ("plans.return_package", "POST", "work"), ("plans.create", "POST", "plan"),
    ("gas.update_status", "PUT", "plan"), ("auth.log_in", "POST", OPEN),
    ("cases.list", "GET", "view"), ("brand_new.thing", "GET", "view"),
    ("brand_new.thing", "DELETE", DENY),
    ("review.page", "GET", "import"), ("review.items", "GET", "import"),
    ("review.decide", "POST", "import"),
])
def test_permission_per_endpoint(endpoint: str, method: str, permission: str) -> None:
    assert requirement(endpoint, method).permission == permission


def test_reads_and_queries_are_not_audited_writes_are() -> None:
    assert not requirement("map_selection.select", "POST").changes_state
    assert not requirement("ogcapi.items", "GET").changes_state
    assert requirement("cases.transition", "POST").changes_state


#: Every route of the app: (endpoint, method) → (permission, reachable anonymously when
#: PUBLIC_LAYERS names layers). A new route fails `test_every_route_is_listed` until it is
#: written here, beside the permission someone decided it needs.
ROUTES: dict[tuple[str, str], tuple[str, bool]] = {
    ("admin.audit", "GET"): ("admin", False),
    ("auth.log_in", "POST"): (OPEN, False), ("auth.login", "GET"): (OPEN, False),
    ("auth.logout", "POST"): (OPEN, False), ("auth.session", "GET"): (OPEN, False),
    ("cases.case", "GET"): ("view", False), ("cases.categories", "GET"): ("view", False),
    ("cases.list", "GET"): ("view", False), ("cases.list_page", "GET"): ("view", False),
    ("cases.move", "POST"): ("cases", False), ("cases.overdue", "GET"): ("view", False),
    ("cases.photo", "GET"): ("view", False), ("cases.ranking_file", "GET"): ("view", False),
    ("cases.ranking_page", "GET"): ("view", False), ("cases.report", "POST"): ("report", False),
    ("gas.courtyards", "GET"): ("view", False), ("gas.dashboard", "GET"): ("view", False),
    ("gas.isolate", "GET"): ("view", False), ("gas.programme_list", "GET"): ("view", False),
    ("gas.programme_put", "PUT"): ("plan", False), ("gas.progress", "GET"): ("view", False),
    ("gas.scope", "GET"): ("view", False), ("gas.topology", "GET"): ("view", False),
    ("gas.valves", "GET"): ("view", False),
    ("imports.upload", "POST"): ("import", False),
    ("review.page", "GET"): ("import", False), ("review.items", "GET"): ("import", False),
    ("review.decide", "POST"): ("import", False),
    ("map.index", "GET"): ("view", False), ("map.style", "GET"): ("view", True),
    ("map.vendor", "GET"): (OPEN, False),
    ("map_assets.asset", "GET"): ("view", False), ("map_assets.grids", "GET"): ("view", False),
    ("map_assets.search", "GET"): ("view", False),
    ("map_selection.export", "GET"): ("export", False),
    ("cases.list_file", "GET"): ("export", False), ("cases.my_reports", "GET"): ("view", False),
    ("map.places", "GET"): ("view", False), ("map.service_worker", "GET"): ("view", False),
    ("map_selection.select", "POST"): ("view", False),
    ("ogcapi.collection", "GET"): ("view", True), ("ogcapi.collections", "GET"): ("view", True),
    ("ogcapi.conformance", "GET"): ("view", True), ("ogcapi.item", "GET"): ("view", True),
    ("ogcapi.items", "GET"): ("view", True), ("ogcapi.landing", "GET"): ("view", True),
    ("ogcapi.landing_slash", "GET"): ("view", True), ("ogcapi.openapi", "GET"): ("view", True),
    ("ogcapi.queryables", "GET"): ("view", True),
    ("plan_pages.index", "GET"): ("view", False), ("plan_pages.plan", "GET"): ("view", False),
    ("plans.asset_score", "GET"): ("view", False),
    ("plans.conflicts", "GET"): ("work|plan", False),
    ("plans.export_package", "GET"): ("work|plan", False),
    ("plans.plan", "GET"): ("view", False), ("plans.plans", "GET"): ("view", False),
    ("plans.propose", "POST"): ("plan", False), ("plans.return_package", "POST"): ("work", False),
    ("plans.score_features", "GET"): ("view", False), ("plans.settle", "POST"): ("plan", False),
    ("static", "GET"): (OPEN, False),
    ("tiles.tile", "GET"): ("view", True),
}


def _app_routes() -> set[tuple[str, str]]:
    app = create_app({"REGISTRY": "unused.gpkg"})
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_is_listed_with_its_permission() -> None:
    routes = _app_routes()
    unlisted = sorted(routes - set(ROUTES))
    assert not unlisted, f"routes nobody listed in ROUTES (decide their permission): {unlisted}"
    assert sorted(set(ROUTES) - routes) == [], "ROUTES lists routes the app no longer has"
    found = {key: (requirement(*key).permission, requirement(*key).public) for key in routes}
    assert found == {key: ROUTES[key] for key in routes}


def test_a_route_nobody_listed_fails_the_listing() -> None:
    app = create_app({"REGISTRY": "unused.gpkg"})
    app.add_url_rule("/api/wipe", "wipe", lambda: "", methods=["POST"])
    routes = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods}
    assert ("wipe", "POST") in routes - set(ROUTES)
    assert requirement("wipe", "POST").permission == DENY


@pytest.mark.parametrize("held, permission, allowed", [
    ({"view", "work"}, "work|plan", True), ({"view", "plan"}, "work|plan", True),
    ({"view"}, "work|plan", False), ({"view"}, OPEN, True), (set(PERMISSIONS), DENY, False),
])
def test_either_of_two_permissions(held: set, permission: str, allowed: bool) -> None:
    assert permitted(frozenset(held), permission) is allowed
