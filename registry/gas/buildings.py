"""Buildings (楼栋) and their households, as far as the gas programme knows them.

The census has no building layer. Buildings come from a survey loaded into documents of kind
``gas_buildings`` (one per courtyard, body ``{"buildings": [{building, households, lon,
lat}]}``); where a courtyard has none, they are derived from its safety valves (自闭阀): one
valve per household, the building at the middle of its valves. ``basis`` says which.

>>> import tempfile, registry, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/b.gpkg", county="130102")
>>> survey = gpd.GeoDataFrame({"小区": ["和平小区"], "楼栋": ["1号楼"], "户数": [60]},
...                           geometry=[shapely.Point(114.5, 38.04)], crs=4490)
>>> load_buildings(reg, survey, registry.Change(who="王工"))
1
>>> buildings(reg)[["courtyard", "building", "households", "basis"]].to_dict("records")
[{'courtyard': '和平小区', 'building': '1号楼', 'households': 60, 'basis': 'survey'}]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from registry.change import Change
from registry.errors import InvalidInput
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

KIND = "gas_buildings"
COLUMNS = ["courtyard", "building", "households", "basis"]


def load_buildings(reg: Registry, survey: gpd.GeoDataFrame, change: Change) -> int:
    """Store a building survey (columns named as the layers' aliases: 小区, 楼栋, 户数 ...);
    returns how many courtyards it covered. Each courtyard's list replaces the old one."""
    frame = _normalised(reg, survey)
    with reg.transaction():
        for courtyard, rows in frame.groupby("courtyard", sort=True):
            items = [{"building": str(b), "households": int(h), "lon": p.x, "lat": p.y}
                     for b, h, p in zip(rows["building"], rows["households"], rows.geometry)]
            reg.save_document(KIND, str(courtyard), {"buildings": items}, change)
    return int(frame["courtyard"].nunique())


def _normalised(reg: Registry, survey: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    fields = {"courtyard": reg.layers["safety_valves"].field("courtyard"),
              "building": reg.layers["safety_valves"].field("building"),
              "households": reg.layers["gas_mains"].field("households")}
    renamed = {}
    for name, field in fields.items():
        found = [c for c in survey.columns if c == name or c in field.aliases]
        if not found:
            raise InvalidInput(f"building survey has no {field.zh} ({name}) column")
        renamed[found[0]] = name
    frame = survey.rename(columns=renamed)
    if survey.crs is not None and survey.crs.to_epsg() != reg.settings.storage_srid:
        frame = frame.to_crs(reg.settings.storage_srid)
    households = pd.to_numeric(frame["households"], errors="coerce")
    if households.isna().any() or (households < 0).any():
        raise InvalidInput(f"building survey: households must be whole numbers ≥ 0 "
                           f"(row {int(np.flatnonzero(households.isna() | (households < 0))[0])})")
    return frame.assign(households=households.astype(int))


def buildings(reg: Registry) -> gpd.GeoDataFrame:
    """Every known building: courtyard, building, households, basis (survey | valves)."""
    surveyed = _surveyed(reg)
    first = gpd.GeoDataFrame(surveyed[["courtyard", "building", "households"]].assign(basis="survey"),
                             geometry=shapely.points(surveyed["lon"].astype(float),
                                                     surveyed["lat"].astype(float)), crs=4490)
    derived = from_valves(reg.query(Query("safety_valves", properties=["courtyard", "building"])))
    derived = derived[~derived["courtyard"].isin(set(surveyed["courtyard"]))]
    both = pd.concat([first, derived], ignore_index=True)
    both["households"] = both["households"].astype(int)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=4490)


def courtyard_households(reg: Registry) -> dict[str, int]:
    """Households per courtyard of its known buildings, as `buildings` counts them, without
    placing any building: scores need only the totals, and reading the valves' two columns
    costs a fraction of building their points.

    >>> import tempfile, registry
    >>> courtyard_households(registry.create(tempfile.mkdtemp() + "/h.gpkg", county="130102"))
    {}
    """
    surveyed = _surveyed(reg)
    valves = reg.storage.attributes(reg.layers["safety_valves"], ["courtyard", "building"])
    valves = valves.dropna(subset=["courtyard", "building"])
    derived = valves[~valves["courtyard"].isin(set(surveyed["courtyard"]))]
    both = pd.concat([surveyed[["courtyard", "households"]].astype({"households": int}),
                      derived.groupby("courtyard").size().rename("households").reset_index()])
    return {str(k): int(v) for k, v in both.groupby("courtyard")["households"].sum().items()}


def _surveyed(reg: Registry) -> pd.DataFrame:
    """The buildings of the survey documents, one row each with its lon/lat."""
    rows = [{"courtyard": d["key"], **b} for d in reg.documents(KIND) for b in d["body"]["buildings"]]
    return pd.DataFrame(rows, columns=["courtyard", "building", "households", "lon", "lat"])


def from_valves(valves: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings derived from safety valves: households = valves, place = their centre."""
    known = valves.dropna(subset=["courtyard", "building"])
    xy = shapely.get_coordinates(known.geometry.to_numpy()) if len(known) else np.empty((0, 2))
    grouped = (pd.DataFrame({"courtyard": known["courtyard"].to_numpy(),
                             "building": known["building"].to_numpy(), "x": xy[:, 0], "y": xy[:, 1]})
               .groupby(["courtyard", "building"], sort=True)
               .agg(households=("x", "size"), x=("x", "mean"), y=("y", "mean")).reset_index())
    return gpd.GeoDataFrame(grouped[["courtyard", "building", "households"]].assign(basis="valves"),
                            geometry=shapely.points(grouped["x"], grouped["y"]), crs=4490)
