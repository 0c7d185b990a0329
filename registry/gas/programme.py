"""The safety-valve plan and the yearly renovation programme, and progress against targets.

Safety valves (自闭阀, one per household) roll up per building, courtyard, grid and district
as planned → installed → verified; only a **verified** valve counts as done (an installed
one waits for its verification round and is shown apart). A planner puts courtyards into a
year's programme (documents of kind ``gas_programme``, key = the year, body ``{"courtyards",
"targets"}``); progress is the km to replace that are renovated (``renovation_status`` done)
and the valves verified, against that year's own targets from ``layers/gas/targets.toml``
(shares of the whole programme) — a year the file sets none for has none, and says so.

>>> import tempfile, registry, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/p.gpkg", county="130102")
>>> mains = gpd.GeoDataFrame({"material": ["grey_cast_iron"], "courtyard": ["和平小区"]},
...     geometry=[shapely.LineString([(114.5, 38.04), (114.5, 38.041)])], crs=4490)
>>> _ = reg.add("gas_mains", mains, registry.Change(who="demo"))
>>> plan_programme(reg, 2025, ["和平小区"], registry.Change(who="规划科"))
1
>>> plan_programme(reg, 2025, ["和平里"], registry.Change(who="规划科"))
Traceback (most recent call last):
...
registry.errors.InvalidInput: no courtyard named '和平里' (did you mean '和平小区'?)
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from registry import grids
from registry.change import Change
from registry.errors import InvalidInput
from registry.gas.buildings import buildings
from registry.gas.risk import NO_COURTYARD, households
from registry.gas.rules import GasRules, load_rules
from registry.gas.scope import Scope, renovation_scope
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

KIND = "gas_programme"
STATUSES = ("planned", "installed", "verified")
LEVELS = ("building", "courtyard", "grid", "district")


def valve_rollup(reg: Registry, level: str = "courtyard") -> pd.DataFrame:
    """Valves per building, courtyard, grid or district: households, planned, installed
    (awaiting verification), verified, ``done`` (verified: only a verified valve is done) and
    ``done_share`` of households."""
    if level not in LEVELS:
        raise InvalidInput(f"roll valves up by one of {', '.join(LEVELS)}, not {level!r}")
    valves = _valves_with_places(reg)
    keys = {"building": ["courtyard", "building"], "courtyard": ["courtyard"],
            "grid": ["grid_code"], "district": ["district"]}[level]
    counts = pd.crosstab([valves[k] for k in keys], valves["status"]).reindex(
        columns=list(STATUSES), fill_value=0)
    houses = _households(reg).groupby(keys)["households"].sum()
    table = counts.join(houses, how="outer").fillna(0).astype(int).reset_index()
    table["done"] = table["verified"]
    table["households"] = np.maximum(table["households"], table[list(STATUSES)].sum(axis=1))
    table["done_share"] = (table["done"] / table["households"].replace(0, np.nan)).round(3)
    return table[keys + ["households", *STATUSES, "done", "done_share"]]


def _valves_with_places(reg: Registry) -> pd.DataFrame:
    valves = reg.query(Query("safety_valves"))
    frame = pd.DataFrame(valves.drop(columns=valves.geometry.name))
    frame["courtyard"] = frame["courtyard"].fillna(NO_COURTYARD)
    frame["building"] = frame["building"].fillna("未知楼栋")
    return frame.assign(district=_district_of(reg, frame["grid_code"]))


def _district_of(reg: Registry, grid_codes: pd.Series) -> pd.Series:
    grids = reg.query(Query(reg.layers.grid_layer.name))
    names = dict(zip(grids["grid_code"], grids["district"])) if "district" in grids else {}
    return grid_codes.map(lambda code: names.get(code, "未知区"))


def _households(reg: Registry) -> pd.DataFrame:
    """Households per building, with the grid and district each building stands in."""
    houses = buildings(reg)
    cells = reg.query(Query(reg.layers.grid_layer.name))
    codes = pd.Series(grids.assign(houses.geometry.to_numpy(), cells.geometry.to_numpy(),
                                   cells["grid_code"]), dtype=object)
    frame = pd.DataFrame(houses.drop(columns="geometry")).assign(grid_code=codes.to_numpy())
    return frame.assign(district=_district_of(reg, frame["grid_code"]).to_numpy())


def known_courtyards(reg: Registry) -> set[str]:
    """Every courtyard named by a main, a valve or a building."""
    names = set(reg.query(Query("gas_mains"))["courtyard"].dropna())
    names |= set(reg.query(Query("safety_valves"))["courtyard"].dropna())
    return names | set(buildings(reg)["courtyard"])


def check_courtyards(reg: Registry, names: Sequence[str]) -> list[str]:
    """`names` as given; InvalidInput naming the first that matches no courtyard."""
    known = known_courtyards(reg)
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidInput(f"no courtyard named {name!r}{hint}")
    return list(dict.fromkeys(names))


def plan_programme(reg: Registry, year: int, courtyards: Sequence[str], change: Change,
                   targets: dict[str, float] | None = None, expected_version: int | None = None,
                   rules: GasRules | None = None) -> int:
    """Put `courtyards` into `year`'s programme (replacing its list); returns the version."""
    rules = rules or load_rules()
    names = check_courtyards(reg, courtyards)
    targets = targets or rules.target(year) or {}
    for what, share in targets.items():
        if what not in ("mains", "valves") or not 0 <= float(share) <= 1:
            raise InvalidInput(f"target {what}={share!r}: targets are mains and valves, 0–1")
    body = {"courtyards": names, "targets": {k: float(v) for k, v in targets.items()}}
    return reg.save_document(KIND, str(year), body, change, expected_version)


def programmes(reg: Registry) -> list[dict[str, Any]]:
    """Every yearly programme: year, version, courtyards, targets."""
    return [{"year": int(d["key"]), "version": d["version"], **d["body"]}
            for d in reg.documents(KIND)]


def courtyard_progress(reg: Registry, scope: Scope | None = None) -> pd.DataFrame:
    """Per courtyard: km to replace, km done, valves verified (and installed, awaiting
    verification) of households, and its state (done / in_progress / pending) for the map.
    Every courtyard with mains or valves is listed."""
    scope = scope or renovation_scope(reg)
    seg = scope.segments.assign(courtyard=scope.segments["courtyard"].fillna(NO_COURTYARD))
    km = (seg["length_m"] / 1000).where(seg["in_scope"], 0.0)
    mains = pd.DataFrame({"courtyard": seg["courtyard"], "km": km,
                          "km_done": km.where(seg["renovation_status"] == "done", 0.0),
                          "busy": seg["in_scope"] & seg["renovation_status"].isin(
                              ["in_progress", "done"])}
                         ).groupby("courtyard").agg(km=("km", "sum"), km_done=("km_done", "sum"),
                                                    busy=("busy", "any"))
    valves = valve_rollup(reg, "courtyard").set_index("courtyard").rename(
        columns={"done": "verified_valves", "installed": "installed_valves"})[
        ["households", "verified_valves", "installed_valves"]]
    table = mains.join(valves, how="outer")
    served = pd.Series(households(reg, seg), dtype=float)
    table["households"] = np.fmax(table["households"], served.reindex(table.index))
    counts = ["households", "verified_valves", "installed_valves"]
    table = table.fillna({"km": 0.0, "km_done": 0.0, "busy": False, **dict.fromkeys(counts, 0)})
    table[counts] = table[counts].astype(int)
    table["state"] = [_state(r) for r in table.itertuples()]
    return table.drop(columns="busy").rename_axis("courtyard").reset_index()


def _state(row: Any) -> str:
    mains_done = row.km_done >= row.km - 1e-6
    valves_done = row.verified_valves >= row.households
    if mains_done and valves_done and (row.km > 0 or row.households > 0):
        return "done"
    started = row.km_done > 0 or row.verified_valves > 0 or row.installed_valves > 0
    return "in_progress" if (row.busy or started) else "pending"


def progress(reg: Registry, year: int, rules: GasRules | None = None,
             table: pd.DataFrame | None = None) -> dict[str, Any]:
    """How far the programme is against `year`'s targets, overall and for that year's list
    (`table`: the `courtyard_progress` already at hand)."""
    rules = rules or load_rules()
    table = courtyard_progress(reg) if table is None else table
    plans = {p["year"]: p for p in programmes(reg)}
    plan = plans.get(year)
    targets = (plan["targets"] if plan else None) or rules.target(year)
    overall = _shares(table)
    listed = _shares(table[table["courtyard"].isin(plan["courtyards"])]) if plan else None
    return {"year": year, "targets": targets, "overall": overall, "programme": listed,
            "courtyards": plan["courtyards"] if plan else [],
            "on_track": {k: overall[f"{k}_share"] >= targets[k] for k in ("mains", "valves")}
            if targets else None}


def _shares(table: pd.DataFrame) -> dict[str, Any]:
    km, done = float(table["km"].sum()), float(table["km_done"].sum())
    houses, verified = int(table["households"].sum()), int(table["verified_valves"].sum())
    return {"km": round(km, 3), "km_done": round(done, 3),
            "mains_share": round(done / km, 3) if km else 0.0, "valves_needed": houses,
            "valves_verified": verified, "valves_installed": int(table["installed_valves"].sum()),
            "valves_share": round(verified / houses, 3) if houses else 0.0,
            "courtyards": int(len(table)),
            "courtyards_done": int((table["state"] == "done").sum())}
