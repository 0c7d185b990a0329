"""The courtyard gas network of a registry: its mains as a graph in metres, with its faults.

`build_network` reads the ``gas_mains`` layer and the line valves, projects them to the
registry's Gauss-Kruger CRS, snaps ends within ``reg.settings.snap_tolerance_m``, splits mains
at junctions (`registry.gas.topology`), finds connected components and feed points, and lists
every fault (`registry.gas.faults`) and every safety valve far from all mains.

Length is measured once per main on its surveyed geometry in the metric CRS (EPSG:4547, CM
114° E: Shijiazhuang lies within 0.8° of the central meridian, so the scale error is under
0.01 %); snapping never moves geometry, so the total is the survey's own.

>>> import tempfile, registry, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/n.gpkg", county="130102")
>>> mains = gpd.GeoDataFrame({"pressure_class": ["medium_b", "low"], "households": [40, 40]},
...     geometry=[shapely.LineString([(114.5, 38.04), (114.5, 38.041)]),
...               shapely.LineString([(114.5, 38.041), (114.501, 38.041)])], crs=4490)
>>> _ = reg.add("gas_mains", mains, registry.Change(who="demo"))
>>> net = build_network(reg)
>>> round(net.total_km(), 3), len(net.feeds), [f["kind"] for f in net.faults]
(0.199, 1, [])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from registry.gas.buildings import KIND as BUILDING_KIND
from registry.gas.faults import MEDIUM, Attributes, dead_ends, topology_faults
from registry.gas.rules import GasRules, load_rules
from registry.gas.topology import Topology, build_topology
from registry.gas.valves import KIND as VALVE_KIND, as_points, line_valves
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

#: Columns of a fault as reported.
FAULT_COLUMNS = ["kind", "asset", "source_id", "courtyard", "reason", "lon", "lat"]
T = TypeVar("T")


@dataclass
class GasNetwork:
    """The mains (one row per asset, storage CRS), their topology and what is wrong with it."""

    mains: gpd.GeoDataFrame
    topo: Topology
    feeds: np.ndarray
    regulators: np.ndarray
    valves: pd.DataFrame
    faults: list[dict] = field(default_factory=list)
    _kept: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False, compare=False)

    def kept(self, name: str, key: Any, build: Callable[[], T]) -> T:
        """`build()`'s answer, worked out once and kept on the network until asked for with
        another `key` (say the `registry_stamp` it depends on): an isolation trace then costs
        only the trace, not the snapping of every building again."""
        found = self._kept.get(name)
        if found is None or found[0] != key:
            found = self._kept[name] = (key, build())
        return found[1]

    @property
    def edge_length_m(self) -> np.ndarray:
        return shapely.length(self.topo.edges)

    def total_km(self) -> float:
        """Total length of the mains in km, each main measured once on its own geometry."""
        return float(self.mains["length_m"].sum()) / 1000.0

    def edge_component(self) -> np.ndarray:
        return self.topo.components()[self.topo.source]

    def summary(self) -> dict[str, Any]:
        """Totals a planner reads first: km, segments, components, feeds, faults by kind."""
        kinds = pd.Series([f["kind"] for f in self.faults], dtype=object).value_counts()
        return {"km": round(self.total_km(), 3), "segments": int(len(self.mains)),
                "edges": int(len(self.topo.edges)),
                "components": int(np.unique(self.edge_component()).size),
                "feeds": int(len(self.feeds)), "regulators": int(len(self.regulators)),
                "dead_ends": int(len(dead_ends(self.topo, self.feeds))),
                "line_valves": int(len(self.valves)),
                "faults": {str(k): int(v) for k, v in kinds.items()}}


def registry_stamp(reg: Registry) -> tuple[Any, ...]:
    """What a network and the buildings it serves are made of: the registry's asset change
    stamp and the versions of the gas documents (line valves, buildings). Anything worked out
    under another stamp is stale."""
    docs = [(d["key"], d["version"]) for kind in (VALVE_KIND, BUILDING_KIND)
            for d in reg.documents(kind)]
    return (reg.change_stamp(), tuple(docs))


def build_network(reg: Registry, rules: GasRules | None = None,
                  mains: gpd.GeoDataFrame | None = None) -> GasNetwork:
    """The network of the registry's gas mains (or of `mains`, a query result of the layer)."""
    rules = rules or load_rules()
    mains = reg.query(Query("gas_mains")) if mains is None else mains
    mains = mains.reset_index(drop=True)
    metric = reg.to_metric(mains.geometry.to_numpy())
    mains["length_m"] = shapely.length(metric)
    valves = line_valves(reg)
    tolerance = reg.settings.snap_tolerance_m
    topo = build_topology(metric, tolerance, reg.to_metric(as_points(valves)))
    feeds, faults = topology_faults(topo, _attributes(mains), tolerance,
                                    rules.network["near_miss_m"], rules.network["overlap_m"])
    valves = valves.assign(node=topo.point_node)
    net = GasNetwork(mains, topo, feeds, regulator_nodes(topo, mains), valves)
    net.faults = _report(reg, mains, faults + _loose_valves(topo, valves, tolerance))
    net.faults += unconnected_valves(reg, metric, rules.network["valve_max_distance_m"])
    return net


def _attributes(mains: gpd.GeoDataFrame) -> Attributes:
    def column(name: str) -> np.ndarray:
        if name not in mains:
            return np.full(len(mains), np.nan)
        return pd.to_numeric(mains[name], errors="coerce").astype(float).to_numpy()
    pressure = mains.get("pressure_class", pd.Series([None] * len(mains)))
    return Attributes(pressure.astype(object).to_numpy(), column("diameter_mm"))


def regulator_nodes(topo: Topology, mains: gpd.GeoDataFrame) -> np.ndarray:
    """Nodes where a medium-pressure main meets a low-pressure one (a regulator, 调压箱)."""
    medium = np.isin(mains["pressure_class"].astype(object).to_numpy(), MEDIUM)[topo.owner]
    ends = np.concatenate([topo.source, topo.target])
    level = np.concatenate([medium, medium])
    n = len(topo.node_xy)
    has_medium = np.bincount(ends[level], minlength=n) > 0
    has_low = np.bincount(ends[~level], minlength=n) > 0
    return np.flatnonzero(has_medium & has_low)


def _loose_valves(topo: Topology, valves: pd.DataFrame, tolerance: float) -> list[dict]:
    on_main = np.isin(topo.point_node, np.concatenate([topo.source, topo.target]))
    return [{"kind": "valve_off_main", "owner": None, "asset": key,
             "reason": f"line valve lies farther than {tolerance:g} m from every main",
             "xy": topo.node_xy[node]}
            for key, node, ok in zip(valves["key"], topo.point_node, on_main) if not ok]


def unconnected_valves(reg: Registry, metric_mains: np.ndarray, max_m: float) -> list[dict]:
    """Safety valves (自闭阀) farther than `max_m` from every main."""
    valves = reg.query(Query("safety_valves"))
    if valves.empty:
        return []
    points = reg.to_metric(valves.geometry.to_numpy())
    hit, _ = shapely.STRtree(metric_mains).query_nearest(points, max_distance=max_m,
                                                         all_matches=False)
    far = np.setdiff1d(np.arange(len(valves)), hit)
    nearest = np.full(far.size, np.inf)
    if len(metric_mains) and far.size:
        # One nearest-neighbour query for all, not a distance to every main per valve.
        nearest = shapely.STRtree(metric_mains).query_nearest(
            points[far], return_distance=True, all_matches=False)[1]
    lonlat = shapely.get_coordinates(valves.geometry.to_numpy()[far])
    columns = [valves[c].to_numpy()[far].tolist() for c in ("uuid", "source_id", "courtyard")]
    return [{"kind": "unconnected_valve", "asset": u, "source_id": s, "courtyard": c,
             "reason": f"safety valve {d:.0f} m from the nearest main (more than {max_m:g} m)",
             "lon": float(x), "lat": float(y)}
            for u, s, c, d, (x, y) in zip(*columns, nearest.tolist(), lonlat.tolist())]


def _report(reg: Registry, mains: gpd.GeoDataFrame, faults: list[dict]) -> list[dict]:
    """Faults with the asset's uuid, survey id and courtyard, and lon/lat."""
    if not faults:
        return []
    lonlat = shapely.get_coordinates(reg.metric.from_metric(
        shapely.points(np.array([f["xy"] for f in faults]))))
    # Columns as arrays: a row lookup per fault costs more than the whole topology.
    uuid, source_id, courtyard = (mains[c].to_numpy() for c in ("uuid", "source_id", "courtyard"))
    out = []
    for f, (lon, lat) in zip(faults, lonlat):
        owner = f.get("owner")
        out.append({"kind": f["kind"],
                    "asset": uuid[owner] if owner is not None else f.get("asset"),
                    "source_id": source_id[owner] if owner is not None else None,
                    "courtyard": courtyard[owner] if owner is not None else None,
                    "reason": f["reason"] + _other(mains, f),
                    "lon": round(float(lon), 7), "lat": round(float(lat), 7)})
    return out


def _other(mains: gpd.GeoDataFrame, fault: dict) -> str:
    if fault.get("other") is None:
        return ""
    other = mains.iloc[fault["other"]]
    return f" ({other['source_id'] or other['uuid']})"
