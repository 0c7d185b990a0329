"""Isolation valves (阀门) of the courtyard gas network: the ones a crew can close.

The census layer ``safety_valves`` holds household safety self-closing valves (自闭阀), which
shut one flat, not a main. Line valves on the mains are kept as documents of kind
``gas_valves`` (key: the valve's number), body ``{"lon", "lat", "state", "label"}`` with state
``open`` or ``closed``. Besides those, every feed point (where a courtyard branch leaves the
street main) and every regulator (调压箱, where a medium-pressure main meets a low-pressure one)
counts as a valve: both always carry an inlet valve.

>>> import tempfile, registry
>>> reg = registry.create(tempfile.mkdtemp() + "/v.gpkg", county="130102")
>>> save_valve(reg, "FM-1", 114.5, 38.04, "closed", registry.Change(who="王工"))
1
>>> line_valves(reg)[["key", "state"]].to_dict("records")
[{'key': 'FM-1', 'state': 'closed'}]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from registry.change import Change
from registry.errors import InvalidInput

if TYPE_CHECKING:
    from registry.api import Registry

KIND = "gas_valves"
STATES = ("open", "closed")


def save_valve(reg: Registry, key: str, lon: float, lat: float, state: str, change: Change,
               label: str = "") -> int:
    """Create or move a line valve, or open/close it; returns the document's new version."""
    if state not in STATES:
        raise InvalidInput(f"valve {key}: state must be one of {', '.join(STATES)}, got {state!r}")
    minx, miny, maxx, maxy = reg.settings.extent
    if not (minx <= lon <= maxx and miny <= lat <= maxy):
        raise InvalidInput(f"valve {key}: ({lon}, {lat}) lies outside the registry's extent")
    body = {"lon": float(lon), "lat": float(lat), "state": state, "label": label}
    return reg.save_document(KIND, key, body, change)


def line_valves(reg: Registry) -> pd.DataFrame:
    """Every line valve: key, lon, lat, state, label."""
    rows = [{"key": d["key"], **d["body"]} for d in reg.documents(KIND)]
    columns = ["key", "lon", "lat", "state", "label"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["lon"] = frame["lon"].astype(float)
    frame["lat"] = frame["lat"].astype(float)
    return frame


def closed_keys(valves: pd.DataFrame) -> set[str]:
    """Keys of the valves already closed."""
    return set(valves.loc[valves["state"] == "closed", "key"])


def as_points(valves: pd.DataFrame) -> np.ndarray:
    """The valves as lon/lat points."""
    return shapely.points(valves["lon"].to_numpy(), valves["lat"].to_numpy())
