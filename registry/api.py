"""The registry: one object in front of storage that owns the rules of the domain.

It validates every write, converts geometry to the storage CRS, assigns responsibility
grids, allocates GB/T codes, keeps history and answers queries — identically for every
storage backend.

>>> import tempfile, geopandas as gpd, shapely
>>> reg = create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> grids = gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
...                          geometry=[shapely.box(114.4, 38.0, 114.6, 38.1)], crs=4490)
>>> _ = reg.add("grids", grids, Change(who="demo"))
>>> drains = gpd.GeoDataFrame({"depth_m": [1.2]}, geometry=[shapely.Point(114.5, 38.04)], crs=4490)
>>> added = reg.add("drains", drains, Change(who="demo"))
>>> added.loc[0, "gbt_code"], added.loc[0, "grid_code"]
('1301020104000001', '130102001')
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from registry import codes, grids, validate
from registry.change import Change
from registry.checked import Checked
from registry.errors import Conflict, InvalidInput, NotFound, RecordErrors
from registry.events import MaintenanceEvent
from registry.frames import asset_columns
from registry.history import timeline
from registry.ids import new_uuids
from registry.layers import LAYERS_DIR, SOURCE_ATTRIBUTES, Layer, LayerLibrary, load_layers
from registry.measure import Metric
from registry.query import Query
from registry.runs import distinct_runs
from registry.settings import Settings
from registry.stats import layer_stats
from registry.storage import backend_for
from registry.storage.base import PointRows, Storage, TileRequest

#: How many ids one look-up sends to storage at a time.
_CHUNK = 20_000


def create(url: str | Path, county: str, *, name: str = "Infracensus registry",
           metric_srid: int = 4547, extent: tuple[float, float, float, float] | None = None,
           layers_dir: str | Path = LAYERS_DIR) -> "Registry":
    """Create an empty registry at `url` (a .gpkg path or a postgresql:// URL)."""
    settings = Settings(county=county, name=name, metric_srid=metric_srid,
                        **({"extent": tuple(extent)} if extent else {}))
    layers = load_layers(layers_dir)
    storage = backend_for(str(url))(str(url))
    try:
        storage.initialise(settings, layers)
    except BaseException:
        storage.close()
        raise
    return Registry(storage, layers)


def open(url: str | Path, *, layers_dir: str | Path = LAYERS_DIR) -> "Registry":  # noqa: A001
    """Open an existing registry; StorageError if `url` holds none."""
    storage = backend_for(str(url))(str(url))
    try:
        storage.read_settings()
        storage.migrate()
    except BaseException:
        storage.close()
        raise
    reg = Registry(storage, load_layers(layers_dir))
    from registry.auth_migration import move_secrets_out  # it needs this module loaded
    move_secrets_out(reg)  # an older registry kept logins inside: never leave them there
    return reg


class Registry:
    """The asset registry: assets, versions, events and queries over one storage."""

    def __init__(self, storage: Storage, layers: LayerLibrary) -> None:
        self.storage = storage
        self.layers = layers

    @property
    def url(self) -> str:
        return self.storage.url

    @cached_property
    def settings(self) -> Settings:
        return self.storage.read_settings()

    @cached_property
    def metric(self) -> Metric:
        return Metric(self.settings.storage_srid, self.settings.metric_srid)

    def to_metric(self, geoms: Sequence | np.ndarray) -> np.ndarray:
        """Geometries projected to the registry's metric CRS."""
        return self.metric.to_metric(geoms)

    def length_m(self, geoms: Sequence | np.ndarray) -> np.ndarray:
        """Length of each geometry in metres."""
        return self.metric.length_m(geoms)

    def duplicate_tolerance_m(self, layer: str) -> float:
        """How close two assets of a layer must be to count as probable duplicates (0: off)."""
        own = self.layers[layer].duplicate_tolerance_m
        return self.settings.duplicate_tolerance_m if own is None else own

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes into one atomic unit."""
        return self.storage.transaction()

    def import_lock(self, layer: str) -> AbstractContextManager[None]:
        """A transaction that holds `layer`'s import lock until it commits: imports of one
        layer run one after the other, so each one's duplicate check sees the rows the
        previous one wrote (GeoPackage: ``BEGIN IMMEDIATE``; PostGIS: an advisory lock).

        >>> with reg.import_lock("drains"):                    # doctest: +SKIP
        ...     found = conflate(reg, checked); reg.add("drains", found.new_records, change)
        """
        return self.storage.import_lock(self.layers[layer])

    def extent(self, layer: str) -> tuple[float, float, float, float] | None:
        """Lon/lat bounds of a layer's assets; None when it is empty."""
        return self.storage.extent(self.layers[layer])

    def change_stamp(self) -> int:
        """Grows with every change to any asset."""
        return self.storage.change_stamp()

    def release(self) -> None:
        """Give back this thread's connection (call after each web request)."""
        self.storage.release()

    def close(self) -> None:
        self.storage.close()

    # -- adding ---------------------------------------------------------------------------
    def check(self, layer: str, frame: gpd.GeoDataFrame, *,
              allow_empty_required: bool = False) -> Checked:
        """Records coerced to `layer`'s field types, in the storage CRS, with every rule they
        break; what the registry already holds is not consulted (`problems` does that too).

        A write given the result (`add`, or `update_many` with `Checked.as_edits`) stores
        the coerced records without checking them again. `allow_empty_required`: a required
        field left empty is no problem — for a survey import, which flags it for review.
        """
        lay = self.layers[layer]
        typed, found = validate.coerce(lay, self._in_storage_crs(frame))
        broken = validate.problems(lay, typed, self.settings,
                                   allow_empty_required=allow_empty_required)
        return Checked(layer, typed, (*found, *broken), self)

    def problems(self, layer: str, frame: gpd.GeoDataFrame) -> list[dict]:
        """Everything wrong with records that would be added to `layer`, without raising."""
        checked = self.check(layer, frame)
        taken = self._taken_ids(self.layers[layer], checked.records)
        return sorted([*checked.problems, *taken], key=lambda p: str(p["row"]))

    def add(self, layer: str, frame: gpd.GeoDataFrame | Checked, change: Change
            ) -> gpd.GeoDataFrame:
        """Add new assets; RecordErrors listing every problem if any record is bad.

        Records `check` has checked are not checked again; ids already taken always are.
        """
        lay = self.layers[layer]
        checked = self._checked(layer, frame, edits=False)
        found = [*checked.problems, *self._taken_ids(lay, checked.records)]
        if found:
            raise RecordErrors(found, context=f"layer {layer}")
        with self.transaction():
            assets = self._new_assets(lay, checked.records, change)
            self.storage.insert_assets(lay, assets, change)
            if lay.is_grid:
                self.reassign_grids(replace(change, source="grid_change"))
        return assets

    def _checked(self, layer: str, frame: gpd.GeoDataFrame | Checked, edits: bool) -> Checked:
        if isinstance(frame, Checked):
            frame.require(self, layer, edits)
            return frame
        return self.check(layer, frame)

    def _in_storage_crs(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if not isinstance(frame, gpd.GeoDataFrame):
            raise InvalidInput("assets must come as a GeoDataFrame with a geometry column")
        srid = self.settings.storage_srid
        if frame.crs is None:
            return frame.set_crs(srid)
        return frame if frame.crs.to_epsg() == srid else frame.to_crs(srid)

    def _taken_ids(self, layer: Layer, frame: gpd.GeoDataFrame) -> list[dict]:
        found: list[dict] = []
        if "source_id" in frame and frame["source_id"].notna().any():
            known = self.storage.attributes(layer, ["source_id", "uuid"], include_retired=True)
            taken = frame["source_id"][frame["source_id"].isin(known["source_id"].dropna())]
            owner = dict(zip(known["source_id"], known["uuid"]))
            found += [{"row": i, "asset": s, "field": "source_id", "value": s,
                       "reason": f"source id already in the registry (asset {owner[s]})"}
                      for i, s in taken.items()]
        if "uuid" in frame:
            found += [{"row": i, "asset": u, "field": "uuid", "value": u,
                       "reason": "UUID already in the registry"}
                      for i, u in frame["uuid"].dropna().items() if self._exists(u)]
        return found

    def _exists(self, uuid: str) -> bool:
        try:
            self.storage.layer_of(uuid)
        except NotFound:
            return False
        return True

    def _new_assets(self, layer: Layer, frame: gpd.GeoDataFrame, change: Change
                    ) -> gpd.GeoDataFrame:
        n = len(frame)
        out = frame.reset_index(drop=True).copy()
        uuids = new_uuids(n)
        if "uuid" in out:
            given = out["uuid"].notna().to_numpy()
            uuids[given] = out["uuid"].to_numpy(dtype=object)[given]
        out["uuid"] = pd.Series(uuids, dtype=object)
        if "source_id" not in out:
            out["source_id"] = pd.Series([None] * n, dtype=object)
        # A state nobody surveyed is unknown (未知): a default must not say "intact".
        out["state"] = out["state"].fillna("unknown") if "state" in out else "unknown"
        out["version"] = 1
        out["created_at"] = out["updated_at"] = change.stamp
        out["retired_at"] = None
        self._derive(layer, out)
        grid_codes = out["source_id"] if layer.is_grid else self._grid_codes(out.geometry)
        out["grid_code"] = pd.Series(grid_codes, dtype=object)
        gbt_codes = [None] * n if layer.is_grid else self._allocate_codes(layer, out)
        out["gbt_code"] = pd.Series(gbt_codes, dtype=object)
        return out[[c for c in asset_columns(layer) if c in out] + [out.geometry.name]]

    def _derive(self, layer: Layer, frame: pd.DataFrame) -> None:
        """Fill derived fields, e.g. the CJJ 99 class of a bridge from its BCI score."""
        cond = layer.condition
        if cond.score_field and cond.class_field and cond.score_field in frame:
            frame[cond.class_field] = [cond.classify(s) if pd.notna(s) else None
                                       for s in frame[cond.score_field].tolist()]

    def _grid_codes(self, geoms: gpd.GeoSeries) -> list[str | None]:
        cells = self.storage.fetch(self.layers.grid_layer, Query(self.layers.grid_layer.name))
        return grids.assign(geoms.to_numpy(), cells.geometry.to_numpy(), cells["grid_code"])

    def _allocate_codes(self, layer: Layer, frame: pd.DataFrame) -> list[str]:
        if layer.gbt_class:
            classes = np.full(len(frame), layer.gbt_class, dtype=object)
        else:
            by = frame.get(layer.gbt_class_field, pd.Series(None, index=frame.index))
            classes = by.map(layer.gbt_class_by_value).to_numpy()
        out = np.empty(len(frame), dtype=object)
        # A bridge whose type the survey lacks (flagged for review) has no class yet, so no
        # code: one is never made up from a guessed class.
        for cls in sorted({c for c in classes.tolist() if isinstance(c, str)}):
            rows = np.flatnonzero(classes == cls)
            first = self.storage.allocate_serials(cls, len(rows))
            out[rows] = codes.make_codes(self.settings.county, cls, first, len(rows))
        return out.tolist()

    # -- changing -------------------------------------------------------------------------
    def update(self, uuid: str, attributes: dict[str, Any] | None = None,
               geometry: BaseGeometry | None = None, state: str | None = None, *,
               change: Change, expected_version: int | None = None) -> dict[str, Any]:
        """Change one asset's attributes, geometry and/or state; returns its new state.

        Conflict if `expected_version` is given and the asset has moved on since.
        """
        layer = self.layers[self.storage.layer_of(uuid)]
        current = self._current(layer, [uuid])
        self._expect(current, [expected_version])
        edits = gpd.GeoDataFrame(
            {"uuid": [uuid], **{k: [v] for k, v in (attributes or {}).items()},
             **({"state": [state]} if state is not None else {})},
            geometry=[geometry], crs=self.settings.storage_srid)
        self._apply(layer, current, edits, change)
        return self.get(uuid)

    def _expect(self, current: gpd.GeoDataFrame, expected: Sequence[int | None]) -> None:
        """Conflict if an asset (a row of `current`) is retired or has moved on from the
        version expected of it (None: any)."""
        self._refuse_retired(current)
        for uuid, stored, want in zip(current["uuid"], current["version"].tolist(), expected):
            if want is not None and int(stored) != want:
                raise Conflict(f"asset {uuid} is at version {int(stored)}, not {want}: someone "
                               "changed it meanwhile; reload and try again")

    def update_many(self, layer: str, frame: gpd.GeoDataFrame | Checked, change: Change, *,
                    expected_versions: Sequence[int | None] | None = None) -> int:
        """Apply edits (a ``uuid`` column plus the columns to change; a missing geometry keeps
        the stored one); returns how many assets actually changed. Unchanged rows write
        nothing. Edits `check` has checked (`Checked.as_edits`) are not checked again.

        With `expected_versions` (one per row, as `update`'s `expected_version`), Conflict and
        nothing written if any of the assets is retired or has moved on from its version.
        """
        lay = self.layers[layer]
        if isinstance(frame, Checked):
            frame.require(self, layer, edits=True)
            current = self._expected(lay, frame.uuids.tolist(), expected_versions)
            if frame.problems:
                raise RecordErrors(list(frame.problems), context=f"layer {layer}")
            return self._write_versions(lay, current, frame.records, change)
        edits = self._in_storage_crs(frame).reset_index(drop=True)
        current = self._expected(lay, edits["uuid"].tolist(), expected_versions)
        return self._apply(lay, current, edits, change)

    def _expected(self, layer: Layer, uuids: list[str],
                  expected: Sequence[int | None] | None) -> gpd.GeoDataFrame:
        current = self._current(layer, uuids)
        if expected is not None:
            self._expect(current, expected)
        return current

    def _apply(self, layer: Layer, current: gpd.GeoDataFrame, edits: gpd.GeoDataFrame,
               change: Change) -> int:
        """Check only what the edits touch (stored values were checked when stored) and write
        a version for each asset that really changes."""
        if "source_id" in edits:
            raise InvalidInput("an asset's source id does not change; retire the asset and "
                               "add it again under the new id")
        if SOURCE_ATTRIBUTES in edits:
            raise InvalidInput("source attributes are what the survey delivered: only a "
                               "survey import (or a re-mapped batch) changes them")
        typed, found = validate.coerce(layer, edits.drop(columns=["uuid"]))
        found += validate.problems(layer, typed, self.settings, partial=True)
        if found:
            raise RecordErrors(found, context=f"layer {layer.name}")
        return self._write_versions(layer, current, typed, change)

    def _write_versions(self, layer: Layer, current: gpd.GeoDataFrame, typed: gpd.GeoDataFrame,
                        change: Change) -> int:
        """A version for each asset the checked edits `typed` (in `current`'s order) change."""
        new = self._next_versions(layer, current, typed, change)
        with self.transaction():
            self.storage.update_assets(layer, new, change)
            if layer.is_grid and len(new):
                self.reassign_grids(replace(change, source="grid_change"))
        return len(new)

    def _current(self, layer: Layer, uuids: list[str]) -> gpd.GeoDataFrame:
        parts = [self.storage.fetch(layer, Query(layer.name, ids=uuids[i:i + _CHUNK],
                                                 include_retired=True))
                 for i in range(0, max(len(uuids), 1), _CHUNK)]
        current = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        missing = set(uuids) - set(current["uuid"])
        if missing:
            raise NotFound(f"layer {layer.name} has no asset {sorted(missing)[0]}")
        return current.set_index("uuid", drop=False).loc[uuids].reset_index(drop=True)

    def _next_versions(self, layer: Layer, current: gpd.GeoDataFrame, typed: gpd.GeoDataFrame,
                       change: Change) -> gpd.GeoDataFrame:
        new = current.copy()
        edited = [c for c in typed.columns if c != typed.geometry.name]
        for column in edited:
            new[column] = typed[column].array
        if "state" in edited:
            # A state is never blanked (it is NOT NULL): an edit without one keeps the stored
            # state, so a re-survey whose 状态 cell is empty does not erase a known 破损.
            new["state"] = new["state"].where(new["state"].notna(), current["state"])
        geoms = typed.geometry.to_numpy()
        given = ~shapely.is_missing(geoms)
        new.loc[given, "geometry"] = geoms[given]
        self._derive(layer, new)
        moved = ~shapely.equals_exact(current.geometry.to_numpy(), new.geometry.to_numpy(), 0)
        if not layer.is_grid and moved.any():
            new.loc[moved, "grid_code"] = self._grid_codes(new.geometry[moved])
        derived = [layer.condition.class_field] if layer.condition.class_field else []
        changed = moved | _differs(current, new, edited + derived + ["grid_code"])
        self._refuse_retired(new[changed])
        new = new[changed].copy()
        new["version"] = new["version"] + 1
        new["updated_at"] = change.stamp
        return new

    def _refuse_retired(self, frame: pd.DataFrame) -> None:
        retired = frame["retired_at"].notna()
        if retired.any():
            raise Conflict(f"asset {frame['uuid'][retired].iloc[0]} is retired and can no "
                           "longer change")

    def retire(self, uuid: str, change: Change, expected_version: int | None = None) -> None:
        """Retire an asset: it leaves the map and queries but keeps its history."""
        layer = self.layers[self.storage.layer_of(uuid)]
        current = self._current(layer, [uuid])
        self._expect(current, [expected_version])
        with self.transaction():
            self.storage.retire_assets(layer, [uuid], [int(current["version"].iloc[0]) + 1],
                                       change)
            if layer.is_grid:
                self.reassign_grids(replace(change, source="grid_change"))

    def reassign_grids(self, change: Change) -> int:
        """Put every asset in the grid it now falls in; returns how many moved grid."""
        moved = 0
        for layer in self.layers.values():
            if layer.is_grid:
                continue
            current = self.storage.fetch(layer, Query(layer.name))
            if current.empty:  # nothing to move; and reading every grid back costs seconds
                continue
            fresh = np.array(self._grid_codes(current.geometry), dtype=object)
            stale = current["grid_code"].to_numpy(dtype=object) != fresh
            if stale.any():
                new = current[stale].copy()
                new["grid_code"] = fresh[stale]
                new["version"] = new["version"] + 1
                new["updated_at"] = change.stamp
                self.storage.update_assets(layer, new, change)
                moved += int(stale.sum())
        return moved

    # -- reading --------------------------------------------------------------------------
    def query(self, query: Query | None = None, **criteria: Any) -> gpd.GeoDataFrame:
        """Assets matching a Query (or the keyword arguments of one), as a GeoDataFrame."""
        query = query if query is not None else Query(**criteria)
        return self.storage.fetch(self.layers[query.layer], query)

    def count(self, query: Query | None = None, **criteria: Any) -> int:
        """How many assets match, ignoring paging."""
        query = query if query is not None else Query(**criteria)
        return self.storage.count(self.layers[query.layer], query)

    def centres(self, query: Query) -> np.ndarray:
        """Centre of each matching asset's bounding box (n × 2, lon/lat): for clustering."""
        return self.storage.centres(self.layers[query.layer], query)

    def point_rows(self, query: Query) -> PointRows | None:
        """The page of assets `query` matches as plain rows, for an encoder that needs no
        frame (PostGIS, point layers), or None when the caller should use `query`."""
        return self.storage.point_rows(self.layers[query.layer], query)

    def tile(self, request: TileRequest) -> bytes | None:
        """A vector tile made by the storage itself (PostGIS ST_AsMVT), or None when the
        caller should encode it."""
        return self.storage.tile(self.layers[request.query.layer], request)

    def get(self, uuid: str, as_of: datetime | None = None) -> dict[str, Any]:
        """One asset as {"layer", "properties", "geometry"}; NotFound if it did not exist."""
        layer = self.storage.layer_of(uuid)
        found = self.query(Query(layer, ids=[uuid], as_of=as_of, include_retired=True))
        if found.empty:
            raise NotFound(f"asset {uuid} did not exist at {as_of}" if as_of else
                           f"no asset {uuid}")
        return _assets(layer, found.iloc[:1])[0]

    def get_many(self, layer: str, uuids: Sequence[str]) -> list[dict[str, Any]]:
        """Assets of one layer, each as `get` gives it (retired ones too), in the order of
        `uuids`, from one read; NotFound naming one that the layer does not hold."""
        return _assets(layer, self._current(self.layers[layer], list(uuids)))

    def history(self, uuid: str) -> dict[str, Any]:
        """Every version of an asset (with what changed) and its maintenance events."""
        current = self.get(uuid)
        return {"uuid": uuid, "layer": current["layer"],
                "versions": timeline(self.storage.versions(uuid), current),
                "events": self.storage.events(uuid)}

    def record_event(self, uuid: str, event: MaintenanceEvent, change: Change) -> dict[str, Any]:
        """Append a maintenance event; a new condition also updates the asset (a version)."""
        return self.record_events([(uuid, event)], change)[0]

    def record_events(self, items: Sequence[tuple[str, MaintenanceEvent]], change: Change
                      ) -> list[dict[str, Any]]:
        """Append maintenance events (asset uuid, event), each as `record_event` does, in one
        transaction: the assets are read once, the events written together and the new
        conditions through one `update_many` per layer (an asset named twice takes its events
        in turn). Returns the stored rows; NotFound, and nothing written, for an unknown asset.
        """
        rows: list[dict[str, Any]] = []
        with self.transaction():
            for run in distinct_runs(items, key=lambda item: item[0]):
                rows += self._record_run(run, change)
        return rows

    def _record_run(self, items: list[tuple[str, MaintenanceEvent]], change: Change
                    ) -> list[dict[str, Any]]:
        """Events on distinct assets: condition_before from what the asset holds, and a
        version for each whose condition changes, with its event's reason."""
        layers = [self.storage.layer_of(uuid) for uuid, _ in items]
        held = {}
        for name in dict.fromkeys(layers):
            uuids = [uuid for (uuid, _), layer in zip(items, layers) if layer == name]
            held |= dict(zip(uuids, self.get_many(name, uuids)))
        rows, conditions = [], {}
        for (uuid, event), name in zip(items, layers):
            field = self.layers[name].condition.field or self.layers[name].condition.score_field
            before = held[uuid]["properties"].get(field) if field else None
            if event.condition_before is None and before is not None:
                event = replace(event, condition_before=before)
            rows.append(event.as_row(uuid, name, change))
            if field and event.condition_after is not None and before != event.condition_after:
                why = change.why or f"{event.kind} {event.date}"
                conditions.setdefault((name, field, why), {})[uuid] = event.condition_after
        self.storage.add_events(rows)
        for (name, field, why), values in conditions.items():
            edits = gpd.GeoDataFrame({"uuid": list(values), field: list(values.values())},
                                     geometry=[None] * len(values),
                                     crs=self.settings.storage_srid)
            self.update_many(name, edits, replace(change, why=why))
        return rows

    def events(self, uuid: str) -> list[dict[str, Any]]:
        self.storage.layer_of(uuid)
        return self.storage.events(uuid)

    def stats(self) -> pd.DataFrame:
        """Assets, km of line assets and condition mix per layer and grid."""
        table = pd.concat([layer_stats(self, layer) for layer in self.layers.values()],
                          ignore_index=True)
        counts = sorted(c for c in table.columns if "=" in c)
        table[counts] = table[counts].astype("Int64")
        return table[[c for c in table.columns if c not in counts] + counts]

    # -- documents: cases, plans, work packages, programmes -------------------------------
    def save_document(self, kind: str, key: str, body: dict[str, Any], change: Change,
                      expected_version: int | None = None) -> int:
        """Create or replace a document; Conflict if it moved on from `expected_version`
        (0: it must be new). Returns the new version."""
        return self.storage.save_document(kind, key, body, expected_version, change.stamp)

    def document(self, kind: str, key: str) -> dict[str, Any]:
        """One document as {key, version, body, created_at, updated_at}; NotFound if none."""
        found = self.storage.documents(kind, [key])
        if not found:
            raise NotFound(f"no {kind} {key}")
        return found[0]

    def documents(self, kind: str) -> list[dict[str, Any]]:
        """Every document of a kind, in key order."""
        return self.storage.documents(kind)

    def append_journal(self, kind: str, key: str, entry: dict[str, Any], change: Change) -> None:
        """Append an entry to the append-only journal."""
        self.storage.append_journal(kind, key, change.who, entry, change.stamp)

    def journal(self, kind: str, key: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries of a kind (or one key), oldest first; `filters`: who, since, match
        and latest, as `storage.base.Storage.journal` says."""
        return self.storage.journal(kind, key, **filters)

    def add_batch(self, batch: dict[str, Any]) -> None:
        self.storage.add_batch(batch)

    def batches(self) -> list[dict[str, Any]]:
        return self.storage.batches()

    def batch(self, key: str) -> dict[str, Any]:
        """One import batch by its UUID or a unique start of it (as `batch list` shows it);
        NotFound if none, InvalidInput if the start fits several."""
        found = [b for b in self.batches() if b["batch_uuid"].startswith(key)] if key else []
        exact = [b for b in found if b["batch_uuid"] == key]
        if exact or len(found) == 1:
            return (exact or found)[0]
        if not found:
            raise NotFound(f"no import batch {key!r} (see `infracensus batch list`)")
        raise InvalidInput(f"{len(found)} import batches start with {key!r}: give more of it")

    def archive_file(self, record: dict[str, Any]) -> bool:
        """Keep a delivered survey file under its checksum (once however often it comes)."""
        return self.storage.archive_file(record)

    def archived_file(self, checksum: str) -> dict[str, Any] | None:
        """The delivered file with this checksum, as archived; None if none is."""
        return self.storage.archived_file(checksum)


def _assets(layer: str, frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Each row as {"layer", "properties", "geometry"} with plain Python values."""
    names = [c for c in frame.columns if c != frame.geometry.name]
    columns = [[_plain(v) for v in frame[c].astype(object).tolist()] for c in names]
    return [{"layer": layer, "properties": dict(zip(names, values)), "geometry": geometry}
            for values, geometry in zip(zip(*columns) if names else [()] * len(frame),
                                        frame.geometry.tolist())]


def _differs(old: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> np.ndarray:
    changed = np.zeros(len(old), dtype=bool)
    for c in columns:
        a, b = _objects(old[c]), _objects(new[c])
        changed |= a != b
    return changed


def _objects(column: pd.Series) -> np.ndarray:
    """Values as Python objects with None for every kind of missing, comparable with !=."""
    return column.astype(object).where(column.notna(), None).to_numpy()


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
