"""What the caller of this request may see and change: one policy, asked by every view.

The endpoint table (`web.auth.policy`) says which *permission* a route needs; this module says
which *rows*. A user scoped to responsibility grids (责任网格) reads and writes only assets,
cases, plans and work packages in those grids; a user scoped to a department sees only the
cases dispatched to it. Layers can be withheld by role (``LAYER_READ``, e.g. household-level
safety valves) and anonymous visitors read only the layers the operator named
(``PUBLIC_LAYERS``). A user with no grids and no department covers the whole city.

Reads of something out of scope answer 404 (its existence is not confirmed); writes answer 403
naming what is outside the scope; a layer withheld from the role answers 403 (401 when
anonymous: logging in may open it).

>>> everyone = Scope(grids=None, department=None, roles=frozenset({"viewer"}))
>>> everyone.covers("130102001"), everyone.asset_filter() is None
(True, True)
>>> grid_a = Scope(grids=frozenset({"A"}), department=None, roles=frozenset({"engineer"}))
>>> grid_a.covers("B"), grid_a.asset_filter()
(False, In(field='grid_code', values=('A',)))
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from flask import current_app, g

from registry.cases.linking import check_location, grid_at
from registry.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from registry.filters import Filter, In, conjunction
from registry.layers import Layer, LayerLibrary
from registry.query import Query
from registry.users import ROLES

if TYPE_CHECKING:
    from registry.api import Registry
    from registry.cases import Case

_G_KEY = "infracensus_scope"


@dataclass(frozen=True)
class Scope:
    """The rows and layers one caller may reach.

    `grids` None: every grid; `department` None: every department; `roles` None: an
    anonymous caller (who reads only `public_layers`); `unlimited`: an anonymous caller of a
    server run deliberately without logins (development only).
    """

    grids: frozenset[str] | None
    department: str | None
    roles: frozenset[str] | None
    public_layers: frozenset[str] = frozenset()
    layer_read: Mapping[str, frozenset[str]] = field(default_factory=dict)
    unlimited: bool = False

    # -- layers ----------------------------------------------------------------------------
    def reads_layer(self, name: str) -> bool:
        """True if this caller may read layer `name` at all."""
        if self.unlimited:
            return True
        if self.roles is None:
            return name in self.public_layers and name not in self.layer_read
        allowed = self.layer_read.get(name)
        return allowed is None or bool(self.roles & allowed)

    def check_layer(self, name: str) -> None:
        """Unauthorized (anonymous) or Forbidden unless this caller may read layer `name`."""
        if self.reads_layer(name):
            return
        if self.roles is None:
            raise Unauthorized(f"layer {name!r} is not public: log in to read it")
        raise Forbidden(f"layer {name!r} is withheld from your role "
                        f"({', '.join(sorted(self.roles))})")

    # -- grids and departments -------------------------------------------------------------
    @property
    def limited(self) -> bool:
        """True if the caller is held to some grids or a department."""
        return self.grids is not None or self.department is not None

    def covers(self, grid_code: str | None) -> bool:
        """True if the grid is in scope (an asset outside every grid is only in a whole-city
        scope)."""
        return self.grids is None or grid_code in self.grids

    def covers_all(self, grid_codes: Iterable[str | None]) -> bool:
        return all(self.covers(code) for code in grid_codes)

    def covers_case(self, case: "Case") -> bool:
        return self.covers(case.grid_code) and (
            self.department is None or case.department == self.department)

    def asset_filter(self) -> Filter | None:
        """The filter holding a layer query to the scope's grids (None: no limit)."""
        if self.grids is None:
            return None
        return In("grid_code", tuple(sorted(self.grids)))

    def query(self, query: Query) -> Query:
        """`query` limited to what this caller may read; the layer checked first."""
        self.check_layer(query.layer)
        limit = self.asset_filter()
        if limit is None:
            return query
        return replace(query, where=conjunction(query.filter, limit))

    def describe(self) -> str:
        """The scope in words, for refusals: ``grids 130102001; department 建北街道``."""
        parts = []
        if self.grids is not None:
            parts.append("grids " + (", ".join(sorted(self.grids)) or "none"))
        if self.department is not None:
            parts.append(f"department {self.department}")
        return "; ".join(parts) or "the whole city"

    def key(self) -> tuple[Any, ...]:
        """A hashable summary: answers cached per scope (tiles) must not leak across scopes."""
        return (None if self.grids is None else tuple(sorted(self.grids)), self.unlimited,
                None if self.roles is None else tuple(sorted(self.roles)))


def current() -> Scope:
    """The scope of this request's caller (the auth hook has identified them)."""
    found = g.get(_G_KEY)
    if found is None:
        found = _build(g.get("user"), current_app.config)
        setattr(g, _G_KEY, found)
    return found


def _build(user: Any, config: Mapping[str, Any]) -> Scope:
    public = frozenset(layer_names(config.get("PUBLIC_LAYERS")))
    layer_read = layer_roles(config.get("LAYER_READ"))
    if user is None:
        return Scope(None, None, None, public, layer_read,
                     unlimited=config.get("AUTH_REQUIRED", True) is False)
    return Scope(frozenset(user.grids) if user.grids else None, user.department or None,
                 frozenset(user.roles), public, layer_read)


# -- what views call ------------------------------------------------------------------------
def scoped(query: Query) -> Query:
    """`query` limited to this request's scope (see `Scope.query`)."""
    return current().query(query)


def readable(layers: LayerLibrary) -> LayerLibrary:
    """The layers this request's caller may read, in their order."""
    scope = current()
    return LayerLibrary({n: layer for n, layer in layers.items() if scope.reads_layer(n)},
                        layers.catalogue)


def check_layer(layer: str | Layer) -> None:
    current().check_layer(layer if isinstance(layer, str) else layer.name)


def visible_case(case: "Case") -> "Case":
    """The case, or NotFound (the same answer as for no such case) if it is out of scope."""
    if not current().covers_case(case):
        raise NotFound(f"no case {case.id}")
    return case


def visible_cases(cases: Iterable["Case"]) -> list["Case"]:
    """The cases the caller's scope holds, in their order."""
    scope = current()
    return [case for case in cases if scope.covers_case(case)]


def check_report_at(reg: "Registry", lon: Any, lat: Any) -> None:
    """Forbidden unless a report at (lon, lat) falls in one of the caller's grids (bad
    coordinates and places outside every grid are left to the report's own checks)."""
    scope = current()
    if scope.grids is None:
        return
    try:
        grid = grid_at(reg, check_location(lon, lat))["grid_code"]
    except InvalidInput:
        return
    if not scope.covers(grid):
        raise Forbidden(f"({float(lon):.6f}, {float(lat):.6f}) lies in grid {grid}, outside "
                        f"your scope ({scope.describe()}): report it to that grid's inspectors")


def check_case_change(case: "Case") -> None:
    """Forbidden unless the caller's scope holds the case they want to change."""
    scope = current()
    if not scope.covers_case(case):
        raise Forbidden(f"case {case.id} (grid {case.grid_code}, department {case.department}) "
                        f"is outside your scope ({scope.describe()})")


def check_grids(grid_codes: Iterable[str | None], what: str) -> None:
    """Forbidden unless every grid is in the caller's scope; `what` names the thing refused,
    e.g. ``"work package P-K1"``."""
    scope = current()
    outside = sorted({str(c) for c in grid_codes if not scope.covers(c)})
    if outside:
        raise Forbidden(f"{what} lies in grids outside your scope: {', '.join(outside)} "
                        f"(yours: {scope.describe()})")


def check_whole_city(what: str) -> None:
    """Forbidden for a caller held to grids: `what` covers the whole city and cannot be cut
    to some grids yet (a department scope limits cases only)."""
    scope = current()
    if scope.grids is not None:
        raise Forbidden(f"{what} covers the whole city; your account is scoped to "
                        f"{scope.describe()}")


def visible_asset(found: Mapping[str, Any]) -> Mapping[str, Any]:
    """An asset as `Registry.get` gives it, or NotFound if its layer or grid is out of scope."""
    scope = current()
    if not scope.reads_layer(found["layer"]) or not scope.covers(
            found["properties"].get("grid_code")):
        raise NotFound(f"no asset {found['properties'].get('uuid', '')}".rstrip())
    return found


def plan_grids(plan: Mapping[str, Any]) -> set[str | None]:
    """The grids a plan's (or a work package's) work orders lie in."""
    return {task.get("grid_code") for task in plan.get("tasks", [])}


def visible_plan(plan: Mapping[str, Any]) -> bool:
    """True if every work order of the plan lies in the caller's scope."""
    return current().covers_all(plan_grids(plan))


def grids_of(reg: "Registry", query: Query) -> set[str | None]:
    """The grids of the assets a query selects (read as one column, not as features)."""
    frame = reg.query(replace(query, properties=["grid_code"], limit=None, offset=0))
    return set(frame["grid_code"].where(frame["grid_code"].notna(), None))


# -- configuration ----------------------------------------------------------------------------
def layer_names(value: Any) -> list[str]:
    """``PUBLIC_LAYERS`` as a list: a list, or a comma-separated string (from the environment).

    >>> layer_names("drains, lamp_posts"), layer_names(None)
    (['drains', 'lamp_posts'], [])
    """
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    raise InvalidInput(f"PUBLIC_LAYERS must be a list of layer names, got {value!r}")


def layer_roles(value: Any) -> dict[str, frozenset[str]]:
    """``LAYER_READ`` checked: layer → the roles that may read it (unknown roles refused).

    >>> sorted(layer_roles({"safety_valves": ["engineer", "admin"]})["safety_valves"])
    ['admin', 'engineer']
    """
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"LAYER_READ must map layer names to lists of roles, got {value!r}")
    out = {}
    for layer, roles in value.items():
        names = [roles] if isinstance(roles, str) else list(roles)
        unknown = [r for r in names if r not in ROLES]
        if unknown:
            raise InvalidInput(f"LAYER_READ[{layer!r}] names unknown role {unknown[0]!r}; "
                               f"roles are {', '.join(ROLES)}")
        out[str(layer)] = frozenset(names)
    return out


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse, at start-up, settings that would open more than the operator meant."""
    if config.get("PUBLIC_READ"):
        raise InvalidInput("PUBLIC_READ opened every layer at once and is no longer honoured: "
                           "name the layers anonymous visitors may read in PUBLIC_LAYERS, "
                           "e.g. PUBLIC_LAYERS=drains,lamp_posts")
    layer_names(config.get("PUBLIC_LAYERS"))
    restricted = set(layer_roles(config.get("LAYER_READ")))
    both = sorted(restricted & set(layer_names(config.get("PUBLIC_LAYERS"))))
    if both:
        raise InvalidInput(f"layer {both[0]!r} is in PUBLIC_LAYERS and restricted by LAYER_READ: "
                           "choose one")
