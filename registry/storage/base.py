"""The storage contract: what every backend (GeoPackage, PostGIS) must do, and nothing more.

Backends persist and query; they never validate, allocate codes or assign grids — that is
the `Registry`'s job, the same for every backend. The contract test suite
(`tests/storage/test_contract.py`) runs against each implementation.

Asset frames passed in and out are GeoDataFrames in the storage CRS with the system columns
(`registry.layers.SYSTEM_COLUMNS`), the layer's fields and a ``geometry`` column.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Any, Sequence

import geopandas as gpd
import pandas as pd

from registry.change import Change
from registry.layers import Layer, LayerLibrary
from registry.query import Query
from registry.settings import Settings


class Storage(ABC):
    """One registry's persistent store."""

    url: str

    @abstractmethod
    def initialise(self, settings: Settings, layers: LayerLibrary) -> None:
        """Create an empty registry (schema, layers, indexes); refuse if one exists."""

    @abstractmethod
    def read_settings(self) -> Settings:
        """The settings recorded at creation; StorageError if this is no registry."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; nesting joins the outer one."""

    # -- assets ---------------------------------------------------------------------------
    @abstractmethod
    def insert_assets(self, layer: Layer, assets: gpd.GeoDataFrame, change: Change) -> None:
        """Store new assets (``version`` 1) and their first version rows."""

    @abstractmethod
    def update_assets(self, layer: Layer, assets: gpd.GeoDataFrame, change: Change) -> None:
        """Replace assets' current state with the rows given (full state, ``version`` = old + 1).

        The superseded state is kept in the version table. Conflict if an asset's stored
        version is not ``version - 1`` (someone else changed it meanwhile).
        """

    @abstractmethod
    def retire_assets(self, layer: Layer, uuids: Sequence[str], versions: Sequence[int],
                      change: Change) -> None:
        """Mark assets retired (never deleted); ``versions`` are the new version numbers."""

    @abstractmethod
    def fetch(self, layer: Layer, query: Query) -> gpd.GeoDataFrame:
        """Assets matching the query (spatial, attribute, grid, ids, as-of, paging).

        Nearest and within-distance queries add a ``distance_m`` column.
        """

    @abstractmethod
    def attributes(self, layer: Layer, columns: Sequence[str],
                   include_retired: bool = False) -> pd.DataFrame:
        """Some attribute columns of every asset of a layer, without geometry (fast, for
        id look-ups, conflation and statistics)."""

    @abstractmethod
    def change_stamp(self) -> int:
        """A number that grows with every asset change (for caches such as map tiles)."""

    @abstractmethod
    def count(self, layer: Layer, query: Query) -> int:
        """How many assets match the query, ignoring paging."""

    @abstractmethod
    def layer_of(self, uuid: str) -> str:
        """Name of the layer holding the asset; NotFound if none does."""

    @abstractmethod
    def versions(self, uuid: str) -> list[dict[str, Any]]:
        """Every version of an asset, oldest first, each with its state and provenance."""

    # -- events, codes, batches ----------------------------------------------------------
    @abstractmethod
    def add_events(self, events: Sequence[dict[str, Any]]) -> None:
        """Append maintenance events (the table is append-only)."""

    @abstractmethod
    def events(self, uuid: str) -> list[dict[str, Any]]:
        """An asset's maintenance events, oldest first."""

    @abstractmethod
    def allocate_serials(self, class_code: str, n: int) -> int:
        """Reserve `n` consecutive GB/T serials for a class; return the first. Never reused."""

    @abstractmethod
    def add_batch(self, batch: dict[str, Any]) -> None:
        """Record an import batch (file, checksum, who, when, encoding, CRS, counts)."""

    @abstractmethod
    def batches(self) -> list[dict[str, Any]]:
        """Every import batch, newest first."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
