"""Which permission each endpoint needs, in one table keyed on endpoint name and method.

Endpoints are ``blueprint.view`` names matched with shell patterns; the first matching rule
wins. A blueprint nobody listed still gets the default: reading needs ``view``, and writing
is denied until a rule here names the permission it needs. A permission ``"work|plan"``
is met by either. Rules also say whether a request changes state (then it is audited and
needs a CSRF token with a session cookie) and whether an anonymous visitor may reach it
at all (``public``): then the view still serves only the layers named in ``PUBLIC_LAYERS``
(`web.auth.scope`). Which rows a permitted caller sees is the scope's business, not this
table's.

>>> requirement("ogcapi.items", "GET")
Requirement(permission='view', public=True, changes_state=False)
>>> requirement("someones_new_blueprint.delete_all", "POST").permission
'deny'
"""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

READ = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Pseudo-permissions: anyone (logged in or not), and nobody.
OPEN, DENY = "open", "deny"


@dataclass(frozen=True)
class Rule:
    pattern: str
    methods: frozenset[str]
    permission: str
    public: bool = False
    changes_state: bool = True


@dataclass(frozen=True)
class Requirement:
    permission: str
    public: bool
    changes_state: bool


RULES: list[Rule] = [
    Rule("auth.*", READ | WRITE, OPEN),
    Rule("static", READ, OPEN),
    Rule("map.vendor", READ, OPEN),  # MapLibre's own script and style sheet
    Rule("ogcapi.*", READ, "view", public=True),
    Rule("tiles.*", READ, "view", public=True),
    Rule("map.style", READ, "view", public=True),
    # Selecting posts a shape to query with; nothing is written.
    Rule("map_selection.select", frozenset({"POST"}), "view", changes_state=False),
    Rule("map_selection.export", READ, "export"),
    # The filtered case list as a file is an export like the map's.
    Rule("cases.list_file", READ, "export"),
    Rule("imports.*", WRITE, "import"),
    # The review queue is a data manager's page: reading it needs `import` too.
    Rule("review.*", READ | WRITE, "import"),
    Rule("admin.*", READ | WRITE, "admin"),
    # Inspectors report problems; engineers run the case lifecycle.
    Rule("cases.report*", WRITE, "report"),
    Rule("cases.*", WRITE, "cases"),
    # Crews take out and return their own work packages (the scope says whose it is);
    # planners read any package in their grids.
    Rule("plans.export_package", READ, "work|plan"),
    Rule("plans.conflicts", READ, "work|plan"),
    Rule("plans.*return*", WRITE, "work"),
    Rule("plans.*", WRITE, "plan"),
    Rule("gas.*", WRITE, "plan"),
]


def permitted(permissions: frozenset[str], permission: str) -> bool:
    """True if a user holding `permissions` meets `permission` (``a|b``: either).

    >>> permitted(frozenset({"view", "plan"}), "work|plan"), permitted(frozenset({"view"}), DENY)
    (True, False)
    """
    if permission == OPEN:
        return True
    return any(p in permissions for p in permission.split("|") if p != DENY)


def requirement(endpoint: str, method: str) -> Requirement:
    """What a request to `endpoint` with `method` needs."""
    method = method.upper()
    for rule in RULES:
        if method in rule.methods and fnmatchcase(endpoint, rule.pattern):
            return Requirement(rule.permission, rule.public,
                               rule.changes_state and method in WRITE)
    if method in READ:
        return Requirement("view", False, False)
    return Requirement(DENY, False, True)
