"""Demo safety-valve survey (燃气安全自闭阀): one valve per household in the retrofitted buildings.

The retrofit works courtyard by courtyard; a crew fits a whole building at once, so status,
date and model are per building. Each valve sits in its stair unit's kitchen wall.

>>> from importers.demo_city import demo_city
>>> from importers.demo_gas import gas_survey
>>> _, buildings = gas_survey(demo_city(), 0.05, np.random.default_rng(0))
>>> survey = valve_survey(buildings, 0.05, np.random.default_rng(0))
>>> 400 <= len(survey.frame) < 600
True
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from importers.demo_city import CITY_CRS
from importers.demo_schema import Survey, expect, header, id_header, scaled, spell

VALVES = 8000
STATUSES = {"planned": 0.25, "installed": 0.35, "verified": 0.40}
CREWS = ("燃气公司第一施工队", "燃气公司第二施工队", "华北燃气安装公司三队", "市政燃气工程二班")
MODELS = ("ZBF-15A", "GZB-2.0", "JZF-20", "CJZB-15")
#: Frontage of one stair unit, the spacing of its two flats' kitchens, the shift per floor (m).
UNIT_M, DOOR_M = 15.0, 6.0
FLOOR_M = 0.8
#: The retrofit's working period: install dates fall in it.
FIRST_DAY, DAYS = np.datetime64("2023-03-01"), 850


def valve_survey(buildings: gpd.GeoDataFrame, scale: float, rng: np.random.Generator) -> Survey:
    """自闭阀 rows for whole buildings, courtyard by courtyard, until about `scale` × 8,000."""
    chosen = _retrofitted(buildings, scaled(VALVES, scale, least=10), rng)
    building = np.repeat(np.arange(len(chosen)), chosen["households"])
    first = np.cumsum(chosen["households"].to_numpy()) - chosen["households"].to_numpy()
    k = np.arange(building.size) - first[building]
    per_unit = 2 * chosen["floors"].to_numpy()[building]
    unit, floor, door = k // per_unit + 1, k % per_unit // 2 + 1, k % 2 + 1
    along = ((unit - (chosen["units"].to_numpy()[building] + 1) / 2) * UNIT_M
             + (door - 1.5) * DOOR_M)
    u = chosen[["ux", "uy"]].to_numpy()[building]
    # Flats stack on the same kitchen wall; surveyors step each floor FLOOR_M into the plan
    # so that no two valves coincide (a proximity check would call them duplicates).
    xy = (shapely.get_coordinates(chosen.geometry.to_numpy())[building] + u * along[:, None]
          + u[:, ::-1] * [-1, 1] * (floor[:, None] - 1) * FLOOR_M)
    frame = gpd.GeoDataFrame(_columns(chosen, building, unit, floor, door, rng),
                             geometry=shapely.points(xy), crs=CITY_CRS)
    traps = ["Excel workbook with X/Y columns in EPSG:4547 (6-digit GK eastings), CRS not stated",
             "安装日期 mixes '2024年5月' (month only: stored as the 1st, with a warning) and "
             "'2024/5/13'; planned valves have none"]
    month_only = frame[header("safety_valves", "install_date")].str.endswith("月", na=False)
    return Survey("safety_valves", "safety_valves.xlsx", frame, traps,
                  expect(len(frame), warned=int(month_only.sum())))


def _retrofitted(buildings: gpd.GeoDataFrame, households: int,
                 rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Whole buildings, courtyards in a random order, until `households` are covered."""
    names = buildings["courtyard"].unique()
    rank = dict(zip(rng.permutation(names), range(len(names))))
    ordered = buildings.iloc[np.argsort(buildings["courtyard"].map(rank), kind="stable")]
    covered = np.cumsum(ordered["households"].to_numpy())
    return ordered.iloc[:int(np.searchsorted(covered, households)) + 1].reset_index(drop=True)


def _columns(chosen: gpd.GeoDataFrame, building: np.ndarray, unit: np.ndarray, floor: np.ndarray,
             door: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    n = len(chosen)
    status = rng.choice(list(STATUSES), n, p=list(STATUSES.values()))
    day = FIRST_DAY + rng.integers(0, DAYS, n).astype("timedelta64[D]")
    names = chosen["courtyard"].to_numpy()
    crew = dict(zip(np.unique(names), rng.choice(CREWS, len(np.unique(names)))))
    dates = _written_dates(day[building], rng)
    dates[status[building] == "planned"] = None
    return {
        id_header("safety_valves"): [f"ZBF-{i:06d}" for i in range(1, building.size + 1)],
        header("safety_valves", "courtyard"): names[building],
        header("safety_valves", "building"): chosen["building"].to_numpy()[building],
        header("safety_valves", "household"): [f"{u}单元{f}0{d}"
                                               for u, f, d in zip(unit, floor, door)],
        header("safety_valves", "status"): spell("safety_valves", "status", status[building], rng),
        header("safety_valves", "install_date"): dates,
        header("safety_valves", "crew"): [crew[name] for name in names[building]],
        header("safety_valves", "model"): rng.choice(MODELS, n)[building],
    }


def _written_dates(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dates as typed into the sheet: ``2024年5月`` by some, ``2024/5/13`` by others."""
    year = day.astype("datetime64[Y]").astype(int) + 1970
    month = day.astype("datetime64[M]").astype(int) % 12 + 1
    date = (day - day.astype("datetime64[M]")).astype(int) + 1
    month_only = rng.random(day.size) < 0.4
    return np.array([f"{y}年{m}月" if short else f"{y}/{m}/{d}"
                     for y, m, d, short in zip(year, month, date, month_only)], dtype=object)
