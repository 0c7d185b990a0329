"""Bringing a crew's work package back: results become maintenance events, corrections and
conditions become versions, assets found in the field are added with their UUIDs, and assets
the office changed since the export are held as conflicts. One transaction per return; the
tasks are read together and written together (`results.apply`), not asset by asset.

A partial return is fine (untouched tasks are skipped); a duplicate return changes nothing
(each applied result is journalled by its fingerprint); a file of another package, a stamp
that does not match or a malformed file is refused and nothing is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from registry.errors import InvalidInput, NotFound
from registry.plans import conflicts, results
from registry.plans.packages import load, work_change
from registry.plans.planner import PACKAGE
from registry.plans.returned import CrewFeature, read
from registry.plans.stamps import existing_key, verify
from registry.plans.weights import RuleBook, load_book
from registry.runs import distinct_runs

if TYPE_CHECKING:
    from registry.api import Registry
    from registry.change import Change


@dataclass
class Outcome:
    """What a return did: asset uuids applied, held as conflicts and added; counts skipped."""

    package: str
    applied: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    duplicates: int = 0
    untouched: int = 0
    results: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"package": self.package, "applied": self.applied, "conflicts": self.conflicts,
                "added": self.added, "duplicates": self.duplicates, "untouched": self.untouched}


def return_package(reg: "Registry", package_id: str, collection: Any, who: str, *,
                   today: date | None = None, book: RuleBook | None = None) -> dict[str, Any]:
    """Apply a returned FeatureCollection (parsed JSON) to the registry.

    >>> return_package(reg, "PLAN-20260503-ab12cd-K1", returned, who="李工")  # doctest: +SKIP
    {'package': 'PLAN-20260503-ab12cd-K1', 'applied': [...], 'conflicts': [], 'added': [], ...}
    """
    doc = load(reg, package_id)
    found = read(collection)
    if found.package != package_id:
        raise InvalidInput(f"this file is work package {found.package}, not {package_id}: "
                           "nothing was applied")
    tasks = {t["uuid"]: t for t in doc["body"]["tasks"]}
    _check_features(reg, package_id, tasks, found.features)
    run = _Run(reg, doc["body"], _seen(reg, package_id), book or load_book(),
               today or date.today(), work_change(who, package_id,
                                                  f"work package {package_id} returned"))
    with reg.transaction():
        for tasks_run in distinct_runs([f for f in found.features if not f.is_new],
                                       key=lambda f: f.uuid):
            run.tasks(tasks_run)
        run.add([f for f in found.features if f.is_new])
        if run.outcome.results:
            doc["body"]["returns"] = doc["body"].get("returns", 0) + 1
            reg.save_document(PACKAGE, package_id, doc["body"], run.change,
                              expected_version=doc["version"])
            reg.append_journal(conflicts.JOURNAL, package_id, _entry(run.outcome), run.change)
    return run.outcome.as_dict()


def _check_features(reg: "Registry", package_id: str, tasks: dict[str, dict],
                    features: list[CrewFeature]) -> None:
    key = existing_key(reg)
    for f in features:
        if f.layer not in reg.layers or reg.layers[f.layer].is_grid:
            raise InvalidInput(f"feature {f.number}: {f.layer!r} is no asset layer")
        if f.is_new:
            continue
        if f.uuid not in tasks or tasks[f.uuid]["layer"] != f.layer:
            raise InvalidInput(f"feature {f.number}: asset {f.uuid} is no task of work "
                               f"package {package_id}: nothing was applied")
        if key is None or f.version is None or not verify(key, package_id, f.uuid, f.version,
                                                          f.stamp or ""):
            raise InvalidInput(f"feature {f.number}: the version stamp of asset {f.uuid} does "
                               "not match its version (the file was altered): nothing was "
                               "applied")


def _seen(reg: "Registry", package_id: str) -> set[str]:
    return {rid for e in reg.journal(conflicts.JOURNAL, package_id)
            for rid in e["entry"].get("results", [])}


def _entry(outcome: Outcome) -> dict[str, Any]:
    return {"results": outcome.results, "applied": outcome.applied,
            "conflicts": outcome.conflicts, "added": outcome.added}


@dataclass
class _Run:
    """One return being applied."""

    reg: "Registry"
    package: dict[str, Any]
    seen: set[str]
    book: RuleBook
    today: date
    change: "Change"
    outcome: Outcome = field(init=False)

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.package["id"])

    def tasks(self, features: list[CrewFeature]) -> None:
        """Apply, hold or skip the results of tasks on distinct assets: the assets are read
        together and the results applied together."""
        now = self._now(features)
        stale = {f.uuid for f in features if now[f.uuid]["properties"]["version"] != f.version}
        fresh = [f for f in features if f.uuid not in stale]
        # An asset still at the version the crew was given is that version.
        moves = dict(zip([f.uuid for f in fresh], results.relocations(
            self.reg, [now[f.uuid]["geometry"] for f in fresh], fresh)))
        ready = []
        for f in features:
            assert f.version is not None  # checked with the stamp
            if f.uuid in stale:
                given = results.state_at(self.reg, f.uuid, f.version)
                moved = results.relocation(self.reg, f.uuid, f.version, f)
            else:
                given, moved = now[f.uuid]["properties"], moves[f.uuid]
            ready += self._task(f, given, moved, f.uuid in stale)
        results.apply(self.reg, ready, self.change, self.book)

    def _now(self, features: list[CrewFeature]) -> dict[str, dict[str, Any]]:
        """The assets of the tasks as they are, one read per layer."""
        now: dict[str, dict[str, Any]] = {}
        for name in dict.fromkeys(f.layer for f in features):
            uuids = [f.uuid for f in features if f.layer == name]
            now |= dict(zip(uuids, self.reg.get_many(name, uuids)))
        return now

    def _task(self, f: CrewFeature, given: dict[str, Any], moved: dict[str, Any],
              stale: bool) -> list[results.Result]:
        """Skip or hold the result of one task, or hand it back to be applied."""
        assert f.version is not None
        layer = self.reg.layers[f.layer]
        fixed = results.corrections(layer, f, given) | moved
        rid = results.result_id(f.uuid, f, fixed)
        event = results.event_of(layer, f, fixed, given, self.package["crew"], self.today)
        if not fixed and event is None:
            self.outcome.untouched += 1
        elif rid in self.seen:
            self.outcome.duplicates += 1
        elif stale:
            self.package["conflicts"][f.uuid] = conflicts.record(
                self.reg, layer, f.uuid, f.version, given, fixed, event, rid)
            self._done(rid, self.outcome.conflicts, f.uuid)
        else:
            self._done(rid, self.outcome.applied, f.uuid)
            return [results.Result(f.uuid, f.layer, fixed, event, f.version)]
        return []

    def _done(self, rid: str, bucket: list[str], uuid: str) -> None:
        self.outcome.results.append(rid)
        bucket.append(uuid)

    def add(self, features: list[CrewFeature]) -> None:
        """Add the assets found in the field, layer by layer, with the crew's UUIDs."""
        fresh = [f for f in features if self._is_fresh(f)]
        for name in dict.fromkeys(f.layer for f in fresh):
            group = [f for f in fresh if f.layer == name]
            self.reg.add(name, _frame(self.reg, name, group), self.change)
            for f in group:
                self._done(f"new:{f.uuid}", self.outcome.added, f.uuid)

    def _is_fresh(self, f: CrewFeature) -> bool:
        if f"new:{f.uuid}" in self.seen:
            self.outcome.duplicates += 1
            return False
        if f.geometry is None:
            raise InvalidInput(f"feature {f.number}: the new asset {f.uuid} has no geometry")
        if _exists(self.reg, f.uuid):
            raise InvalidInput(f"feature {f.number}: has no version stamp, but asset {f.uuid} "
                               "is already in the registry (was its stamp removed?)")
        return True


def _exists(reg: "Registry", uuid: str) -> bool:
    try:
        reg.storage.layer_of(uuid)
    except NotFound:
        return False
    return True


def _frame(reg: "Registry", layer: str, features: list[CrewFeature]) -> gpd.GeoDataFrame:
    names = [f.name for f in reg.layers[layer].fields if not f.derived]
    columns = {"uuid": [f.uuid for f in features]}
    columns |= {n: [results.plain(f.properties.get(n)) for f in features] for n in names
                if any(n in f.properties for f in features)}
    return gpd.GeoDataFrame(columns, geometry=[f.geometry for f in features],
                            crs=reg.settings.storage_srid)  # GeoJSON is lon/lat, as stored
