"""The gas programme's answers as flat tables, for CSV, Excel and the command line.

>>> import pandas as pd
>>> flat_candidates(pd.DataFrame([{"courtyard": "A", "km": 1.23456, "materials": {"pe": 1.2},
...     "terms": [{"side": "likelihood", "term": "age", "value": 30, "score": 0.75,
...                "weight": 0.3}]}])).columns.tolist()
['courtyard', 'km', 'km_pe', 'likelihood_age']
"""
from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from registry.gas.network import FAULT_COLUMNS, GasNetwork

PROBLEM_COLUMNS = ["asset", "source_id", "courtyard", "field", "value", "reason"]


def faults_frame(net: GasNetwork) -> gpd.GeoDataFrame:
    """One row per fault, located at a point (EPSG:4490)."""
    frame = pd.DataFrame(net.faults, columns=FAULT_COLUMNS)
    points = shapely.points(frame["lon"].astype(float), frame["lat"].astype(float))
    return gpd.GeoDataFrame(frame, geometry=points, crs=4490)


def flat_candidates(table: pd.DataFrame) -> pd.DataFrame:
    """Courtyard candidates with the material mix and the score terms as columns."""
    flat = table.drop(columns=[c for c in ("materials", "terms") if c in table])
    if "materials" in table:
        mix = pd.DataFrame([{f"km_{k}": v for k, v in m.items()} for m in table["materials"]],
                           index=table.index)
        flat = flat.join(mix.fillna(0.0))
    if "terms" in table:
        terms = pd.DataFrame([{f"{t['side']}_{t['term']}": t["score"] for t in terms}
                              for terms in table["terms"]], index=table.index)
        flat = flat.join(terms)
    return flat.round(3)


def problems_frame(problems: list[dict[str, Any]]) -> pd.DataFrame:
    """Scope problems: asset, survey id, courtyard, field, value, reason."""
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def trace_table(answer: dict[str, Any]) -> pd.DataFrame:
    """An isolation trace as rows: each valve to close, main and building, with its role."""
    rows = [{"role": "valve_to_close", "id": v["key"], "kind": v["kind"], "lon": v["lon"],
             "lat": v["lat"]} for v in answer["valves_to_close"]]
    rows += [{"role": "valve_already_closed", "id": v["key"], "kind": v["kind"],
              "lon": v["lon"], "lat": v["lat"]} for v in answer["valves_already_closed"]]
    isolated = {a["uuid"] for a in answer["isolated"]}
    rows += [{"role": "isolated" if a["uuid"] in isolated else "without_gas", "id": a["uuid"],
              "kind": a["source_id"], "courtyard": a["courtyard"]} for a in answer["without_gas"]]
    rows += [{"role": "building", "id": b["building"], "courtyard": b["courtyard"],
              "households": b["households"]} for b in answer["buildings"]]
    columns = ["role", "id", "kind", "courtyard", "households", "lon", "lat"]
    return pd.DataFrame(rows, columns=columns).replace({np.nan: None})
