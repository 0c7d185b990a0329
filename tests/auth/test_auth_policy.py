"""The policy table: what each kind of endpoint needs."""
from __future__ import annotations

import pytest

from web.auth.policy import DENY, OPEN, requirement


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
