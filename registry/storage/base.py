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
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from registry.change import Change
from registry.errors import Conflict, NotFound
from registry.layers import Layer, LayerLibrary
from registry.query import Query
from registry.settings import Settings


#: The columns of an archived survey file (`Storage.archive_file`).
ARCHIVE_COLUMNS = ("checksum", "file_name", "packing", "size", "content", "archived_at")


def check_expected(kind: str, key: str, stored: int, expected: int | None) -> None:
    """Conflict unless a document is at the version the caller last saw (0: absent).

    >>> check_expected("case", "C-1", 2, 2)
    """
    if expected is None or expected == stored:
        return
    if expected == 0:
        raise Conflict(f"{kind} {key} already exists")
    if stored == 0:
        raise NotFound(f"no {kind} {key}")
    raise Conflict(f"{kind} {key} is at version {stored}, not {expected}: someone changed it "
                   "meanwhile; reload and try again")


@dataclass(frozen=True)
class PointRows:
    """A page of point assets as the backend reads them: each row is the point's x and y
    (None for a missing or empty point), the ``uuid``, then the `properties` in order; every
    value is what the page's frame holds (missing ones None, timestamps and dates as text).

    >>> PointRows(("condition",), [(114.5, 38.0, "a1", 4)]).properties
    ('condition',)
    """

    properties: tuple[str, ...]
    rows: list[tuple]


@dataclass(frozen=True)
class TileRequest:
    """One Mapbox Vector Tile of a layer: which assets, where, and what each carries.

    `query` selects the assets (its ``bbox`` is the tile's lon/lat box grown by `buffer`);
    a tile matching more than `max_features` of them carries, instead, one point per
    occupied `cell` (in tile units, inside the tile) at its members' mean position, with
    their ``count``. Members are placed by the centre of their bounding box.

    >>> TileRequest(Query("drains"), 14, 13403, 6317, ("uuid",), 3000).cell
    256
    """

    query: Query
    z: int
    x: int
    y: int
    properties: tuple[str, ...]
    max_features: int
    extent: int = 4096
    buffer: int = 64
    cell: int = 256


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

    @abstractmethod
    def import_lock(self, layer: Layer) -> AbstractContextManager[None]:
        """A transaction holding `layer`'s import lock: a second import of the layer waits
        for the first to commit, so what it reads inside (duplicate detection) is current."""

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
    def extent(self, layer: Layer) -> tuple[float, float, float, float] | None:
        """Lon/lat bounds of a layer (may include retired assets); None when empty."""

    @abstractmethod
    def change_stamp(self) -> int:
        """A number that grows with every asset change (for caches such as map tiles)."""

    @abstractmethod
    def centres(self, layer: Layer, query: Query) -> np.ndarray:
        """Centre of each matching asset's bounding box (n × 2, lon/lat), without building
        a frame: what a map needs to cluster thousands of assets."""

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
    def events_of(self, uuids: Sequence[str]) -> list[dict[str, Any]]:
        """The maintenance events of many assets in one read, oldest first (a whole layer's
        for risk scores and the gas scope: never one query per asset)."""

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
    def archive_file(self, record: dict[str, Any]) -> bool:
        """Keep a delivered survey file: {checksum, file_name, packing, size, content (bytes),
        archived_at}. A file already held under its checksum is kept once; returns whether
        this one was new."""

    @abstractmethod
    def archived_file(self, checksum: str) -> dict[str, Any] | None:
        """The archived file with this checksum (as `archive_file` took it), None if none."""

    # -- documents and journal: cases, plans, work packages, programmes, users -------------
    @abstractmethod
    def save_document(self, kind: str, key: str, body: dict[str, Any],
                      expected_version: int | None, at: str) -> int:
        """Create or replace a document; returns its new version (1 for a new one).

        `expected_version` 0 means "must be new", n "must still be at version n", None "any";
        otherwise Conflict.
        """

    @abstractmethod
    def documents(self, kind: str, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Documents of a kind (all, or those with `keys`), each as {key, version, body,
        created_at, updated_at}, in key order."""

    @abstractmethod
    def delete_documents(self, kind: str, keys: Sequence[str]) -> None:
        """Delete documents, leaving none of their bytes behind where the backend can (only
        the move of secrets out of an old registry deletes documents)."""

    @abstractmethod
    def append_journal(self, kind: str, key: str, who: str, entry: dict[str, Any],
                       at: str) -> None:
        """Append to the journal (append-only: case transitions, audit trail)."""

    @abstractmethod
    def journal(self, kind: str, key: str | None = None, *, who: str | None = None,
                since: str | None = None, match: dict[str, str] | None = None,
                latest: int | None = None) -> list[dict[str, Any]]:
        """Journal entries of a kind (or one key), oldest first, each {key, at, who, entry}:
        only `who`'s, only from `since` (ISO text, as stored), only those whose entry has the
        top-level values in `match`, and with `latest` only the newest that many by time."""

    # -- whole tables: copying a registry between backends ---------------------------------
    @abstractmethod
    def dump_rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of one of the registry's own tables, in the canonical row form.

        Tables: ``infracensus_settings``, ``infracensus_migrations``, each layer's feature
        table, ``asset_versions``, ``maintenance_events``, ``import_batches``,
        ``survey_files`` (``content`` as bytes), ``gbt_serials``, ``registry_documents``, ``registry_journal``. The canonical form is
        the same on every backend: column name → None, bool, int, float or str; timestamp
        columns as ISO-8601 UTC text with milliseconds (``2026-03-01T08:00:00.000Z``); dates
        as ``YYYY-MM-DD``; geometries (``geom``) as 2-D ISO WKB bytes, little-endian; JSON
        columns (``attributes``, ``body``, ``entry``) parsed into Python objects. Row ids
        (``fid``, ``id``) are included. Order is unspecified.
        """

    @abstractmethod
    def load_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Write rows in the canonical form of `dump_rows` into a table of a freshly
        initialised registry, ids kept; the settings and migrations rows that `initialise`
        wrote are replaced. Indexes, spatial indexes, sequences and extents follow. Call it
        inside `transaction()` to make a whole copy one atomic write."""

    # -- map tiles --------------------------------------------------------------------------
    @abstractmethod
    def point_rows(self, layer: Layer, query: Query) -> PointRows | None:
        """The page of assets `fetch` would return, as plain rows for an encoder that needs
        no frame (PostGIS, point layers), or None when the caller should use the frame."""

    @abstractmethod
    def tile(self, layer: Layer, request: TileRequest) -> bytes | None:
        """The tile encoded by the backend itself (PostGIS: ``ST_AsMVT``), or None when the
        backend leaves encoding to the caller (GeoPackage)."""

    @abstractmethod
    def migrate(self) -> list[int]:
        """Bring an older registry's schema up to date in place; returns the versions applied."""

    def release(self) -> None:
        """Give back what the calling thread holds (a GeoPackage keeps one connection per
        thread and hands it on to the next thread); a web server calls it after every
        request so idle threads hold nothing."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
