"""What durable commits cost: the GeoPackage registry with ``synchronous=FULL`` (the WAL is
synced at every commit, so no confirmed change is lost in a power cut) beside
``synchronous=NORMAL`` (the default until issue 14), in the same run, interleaved.

Two workloads on a fresh registry holding the city's grids, each repeated on both settings:
web-style edits (one drain's condition changed per transaction, as the map's edit form
does), and one bulk add of drains in one transaction, as an import does.

    python -m bench --points 20000 --only durability
"""
from __future__ import annotations

from pathlib import Path

import registry
from bench.cache import new_registry, remove
from bench.registry_bench import Bench
from bench.report import Figure, Row
from bench.timing import Timings
from registry import Change
from registry.storage.gpkg import GeoPackageStorage

EDITS = 200
BULK = 10_000
MODES = ("FULL", "NORMAL")


def durability_job(b: Bench) -> list[Row]:
    """Two rows: single-edit commits, and one bulk add; FULL is ours, NORMAL the peer."""
    drains = b.city.points["drains"].head(BULK).reset_index(drop=True)
    edits = {mode: Timings() for mode in MODES}
    bulk = {mode: Timings() for mode in MODES}
    for _ in range(max(b.repeats, 3)):
        for mode in MODES:  # interleaved, so a busy moment of the machine hits both
            reg = _fresh(b.scratch / f"durability-{mode}.gpkg", b, mode)
            bulk[mode].time(reg.add, "drains", drains, Change(who="bench"))
            uuids = reg.storage.attributes(reg.layers["drains"], ["uuid"])["uuid"][:EDITS]
            edits[mode].time(_edit_each, reg, list(uuids))
            reg.close()
    for mode in MODES:
        remove(b.scratch / f"durability-{mode}.gpkg")
    b.notes.append(f"durability: {max(b.repeats, 3)} rounds, FULL and NORMAL interleaved, each "
                   "on a fresh registry in the scratch folder")
    # The edits row reads in milliseconds for all 200: as a rate it would round to 0 k/s.
    return [Row(f"durability: {EDITS} single-drain edits, one commit each",
                Figure("synchronous=FULL", edits["FULL"]),
                [Figure("synchronous=NORMAL", edits["NORMAL"])]),
            Row(f"durability: add {len(drains):,} drains in one transaction",
                Figure("synchronous=FULL", bulk["FULL"], len(drains)),
                [Figure("synchronous=NORMAL", bulk["NORMAL"], len(drains))])]


def _fresh(path: Path, b: Bench, mode: str) -> registry.Registry:
    reg = new_registry(path, b.city)
    storage = reg.storage
    assert isinstance(storage, GeoPackageStorage)  # the setting is SQLite's
    storage.db.close()  # connections made from here on use `mode`
    storage.db.synchronous = mode
    return reg


def _edit_each(reg: registry.Registry, uuids: list[str]) -> None:
    for i, uuid in enumerate(uuids):
        reg.update(uuid, {"condition": 1 + i % 5}, change=Change(who="bench", why="durability"))

