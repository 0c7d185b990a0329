"""What the risk terms read: one layer's assets, their rules, their events and their
neighbours, gathered once per scoring run.

>>> import tempfile, registry
>>> reg = registry.create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> ctx = Context(reg, "drains", reg.query(registry.Query("drains")))
>>> len(ctx.events), ctx.rules.action
(0, 'cleaning')
"""
from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from registry.layers import Layer
from registry.plans.incidents import open_and_repeated
from registry.plans.weights import LayerRules, RuleBook, load_book
from registry.query import Query

if TYPE_CHECKING:
    from registry.api import Registry

#: Counts the open and repeated cases of each asset of a context (the incidents term).
CaseCounter = Callable[["Context"], np.ndarray]
#: Assets closer than this many radii (one cell) are read through one box.
_CELL_RADII = 4


class Context:
    """One layer's assets (`frame`) with everything the terms need, read lazily."""

    def __init__(self, reg: "Registry", layer: str, frame: gpd.GeoDataFrame, *,
                 today: date | None = None, book: RuleBook | None = None,
                 cases: CaseCounter | None = None) -> None:
        self.reg, self.frame = reg, frame.reset_index(drop=True)
        self.layer: Layer = reg.layers[layer]
        self.book = book or load_book()
        self.rules: LayerRules = self.book.rules(layer)
        self.today = today or date.today()
        self.cases: CaseCounter = cases or open_and_repeated

    def __len__(self) -> int:
        return len(self.frame)

    @cached_property
    def events(self) -> pd.DataFrame:
        """Every maintenance event of the assets: ``uuid``, ``kind``, ``date`` (datetime64),
        ``source`` (who wrote it: a case, a work package ...)."""
        columns = ["uuid", "kind", "date", "source"]
        events = pd.DataFrame(self.reg.storage.events_of(self.frame["uuid"].tolist()),
                              columns=columns)
        events["date"] = pd.to_datetime(events["date"].str[:10], errors="coerce")
        return events

    def column(self, name: str) -> pd.Series:
        """A column of the assets, or all missing when the layer lacks it."""
        if name in self.frame:
            return self.frame[name]
        return pd.Series([None] * len(self), dtype=object)

    @property
    def since(self) -> pd.Timestamp:
        """Start of the window in which incidents count."""
        return pd.Timestamp(self.today) - pd.Timedelta(days=self.book.incident_window_days)

    def per_asset(self, values: pd.Series, fill: float) -> np.ndarray:
        """A per-uuid series (from `events`) laid out in the frame's order."""
        return values.reindex(self.frame["uuid"]).fillna(fill).to_numpy(dtype=float)

    @cached_property
    def metric(self) -> np.ndarray:
        """The assets' geometries in metres."""
        return self.reg.to_metric(self.frame.geometry.to_numpy())

    def nearby(self, layers: Sequence[str], radius_m: float) -> tuple[np.ndarray, pd.DataFrame]:
        """Pairs (asset index, neighbour row) within `radius_m`, the asset itself left out;
        the neighbours' frame carries ``uuid`` and ``road_name``."""
        windows = self._windows(radius_m)
        if not windows:
            return np.empty((2, 0), dtype=int), pd.DataFrame(columns=["uuid", "road_name"])
        others = pd.concat([self._around(name, windows) for name in layers], ignore_index=True)
        if others.empty:
            return np.empty((2, 0), dtype=int), others
        tree = shapely.STRtree(self.reg.to_metric(others.geometry.to_numpy()))
        pairs = tree.query(self.metric, predicate="dwithin", distance=radius_m)
        own = self.frame["uuid"].to_numpy()[pairs[0]] == others["uuid"].to_numpy()[pairs[1]]
        return pairs[:, ~own], others

    def _around(self, layer: str, windows: list[tuple[float, float, float, float]]
                ) -> gpd.GeoDataFrame:
        """The layer's assets in the `windows`, each once. A selection spread over
        the city (a thousand drains picked by risk) has a bounding box holding the whole city;
        reading only around the assets reads a few dozen neighbours each."""
        road = ["road_name"] if "road_name" in self.reg.layers[layer].field_names else []
        parts = [self.reg.query(Query(layer, bbox=box, properties=road))
                 for box in windows]
        found = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        found = found.drop_duplicates("uuid", ignore_index=True)
        return gpd.GeoDataFrame({"uuid": found["uuid"], "road_name": found.get("road_name")},
                                geometry=found.geometry, crs=found.crs)

    def _windows(self, radius_m: float) -> list[tuple[float, float, float, float]]:
        """Boxes (lon/lat) that hold every point within `radius_m` of the assets: the assets
        grouped by cells of a few radii, each group's bounds grown by the radius. Close assets
        share one box; lone ones get a small box each."""
        bounds = shapely.bounds(self.frame.geometry.to_numpy())
        bounds = bounds[~np.isnan(bounds).any(axis=1)]
        if len(bounds) == 0:
            return []
        lat = np.abs(bounds[:, [1, 3]]).max()
        dlon, dlat = self.reg.metric.degrees_for(radius_m, lat)
        cells = np.floor(bounds[:, :2] / [_CELL_RADII * dlon, _CELL_RADII * dlat])
        groups = pd.DataFrame(bounds, columns=["minx", "miny", "maxx", "maxy"]).groupby(
            [cells[:, 0], cells[:, 1]]).agg(minx=("minx", "min"), miny=("miny", "min"),
                                           maxx=("maxx", "max"), maxy=("maxy", "max"))
        grown = groups.to_numpy() + [-dlon, -dlat, dlon, dlat]
        return [tuple(box) for box in grown.tolist()]
