"""The registry of the scope matrix: two responsibility grids side by side, the same assets,
cases and work in each, and one user per role and scope, each with an API token.

Grid A (130102001 建北街道) spans 114.40–114.50 E, grid B (130102002 青园街道) 114.50–114.60 E,
both 38.00–38.10 N. Each grid holds five drains (``YS…``), two gas mains, two safety valves
and one registered street-vending case; one plan covers both grids (one package per grid)
and another grid A only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import geopandas as gpd
import shapely

import registry
from registry import Change, Query
from registry.cases import Cases, Report
from registry.plans import planner
from registry.users import Users

A, B = "130102001", "130102002"
WHO = Change(who="测试")
#: A point in each grid, away from every asset.
IN_A, IN_B = (114.42, 38.02), (114.58, 38.02)
#: Who there is: name → (role, grids, department).
USERS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "admin": ("admin", (), None),
    "viewer": ("viewer", (), None), "viewer_a": ("viewer", (A,), None),
    "eng": ("engineer", (), None), "eng_a": ("engineer", (A,), None),
    "eng_dept_b": ("engineer", (), "青园街道"),
    "insp_a": ("inspector", (A,), None),
    "planner": ("planner", (), None), "planner_a": ("planner", (A,), None),
    "crew_a": ("crew", (A,), None), "crew_b": ("crew", (B,), None),
    "dm": ("data_manager", (), None),
}
PASSWORD = "correct-horse-42"
#: The settings the matrix serves with: drains are public, valves (households) withheld
#: from everyone but engineers, planners and admins.
SETTINGS = {"PUBLIC_LAYERS": ["drains"],
            "LAYER_READ": {"safety_valves": ["engineer", "planner", "admin"]}}


@dataclass
class ScopeCity:
    """The facts the matrix checks against: ids by name, and each asset's grid."""

    url: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    grid_of: dict[str, str] = field(default_factory=dict)


def _points(xs: list[float], y: float) -> list:
    return list(shapely.points(xs, [y] * len(xs)))


def _assets(reg: registry.Registry, city: ScopeCity) -> None:
    west, east = [114.41 + 0.01 * i for i in range(5)], [114.51 + 0.01 * i for i in range(5)]
    drains = reg.add("drains", gpd.GeoDataFrame(
        {"source_id": [f"YS{i:02d}" for i in range(10)], "condition": [5] * 10,
         "road_name": ["中山路"] * 10}, geometry=_points(west + east, 38.05), crs=4490), WHO)
    mains = reg.add("gas_mains", gpd.GeoDataFrame(
        {"source_id": ["GM1", "GM2", "GM3", "GM4"], "material": ["grey_cast_iron"] * 4,
         "diameter_mm": [100] * 4, "install_year": [1990] * 4,
         "courtyard": ["联盟小区", "联盟小区", "建华小区", "建华小区"]},
        geometry=[shapely.LineString([(x, 38.06), (x + 0.004, 38.06)])
                  for x in (114.42, 114.43, 114.52, 114.53)], crs=4490), WHO)
    valves = reg.add("safety_valves", gpd.GeoDataFrame(
        {"source_id": ["FV1", "FV2", "FV3", "FV4"], "status": ["planned", "installed"] * 2,
         "courtyard": ["联盟小区", "联盟小区", "建华小区", "建华小区"],
         "building": ["1号楼", "2号楼", "1号楼", "2号楼"]},
        geometry=_points([114.421, 114.431, 114.521, 114.531], 38.061), crs=4490), WHO)
    for frame, prefix in ((drains, "drain"), (mains, "main"), (valves, "valve")):
        for i, (uuid, grid) in enumerate(zip(frame["uuid"], frame["grid_code"])):
            city.grid_of[str(uuid)] = str(grid)
            city.ids.setdefault(f"{prefix}_{'a' if grid == A else 'b'}", str(uuid))


def _cases(reg: registry.Registry, city: ScopeCity) -> None:
    cases = Cases(reg)
    monday = datetime(2026, 11, 9, 1, 0, tzinfo=timezone.utc)
    for name, where in (("case_a", IN_A), ("case_b", IN_B)):
        case = cases.report(Report("street_vending", *where, "摊位"), Change(who="巡查员", at=monday))
        cases.move(case.id, "register", Change(who="受理员", at=monday))
        city.ids[name] = case.id


def _plans(reg: registry.Registry, city: ScopeCity) -> None:
    both = planner.propose(reg, Query("drains"), Change(who="planner"), title="两个网格")
    only_a = planner.propose(reg, Query("drains", grid=A), Change(who="planner_a"), title="建北")
    city.ids["plan_both"], city.ids["plan_a"] = both["id"], only_a["id"]
    for package in both["packages"]:
        (grid,) = package["grids"]
        city.ids["pkg_a" if grid == A else "pkg_b"] = package["id"]


def _users(reg: registry.Registry, city: ScopeCity) -> None:
    users = Users(reg)
    for name, (role, grids, department) in USERS.items():
        users.add(name, PASSWORD, [role], by="test", grids=grids, department=department)
        city.tokens[name] = users.issue_token(name, "matrix", by="test")


def build_scope_city(url: str) -> ScopeCity:
    """Create the matrix registry at `url`."""
    reg = registry.create(url, county="130102")
    reg.add("grids", gpd.GeoDataFrame(
        {"source_id": [A, B], "name": ["建北街道", "青园街道"],
         "street_office": ["建北街道", "青园街道"], "district": ["长安区", "长安区"]},
        geometry=[shapely.box(114.40, 38.0, 114.50, 38.1), shapely.box(114.50, 38.0, 114.60, 38.1)],
        crs=4490), WHO)
    city = ScopeCity(url)
    _assets(reg, city)
    _cases(reg, city)
    _plans(reg, city)
    _users(reg, city)
    reg.close()
    return city
