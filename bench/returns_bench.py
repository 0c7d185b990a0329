"""A field crew's returned work package of 1,000 drains: each cleaned, re-graded and dated.

On a copy of the cached city, each repeat issues a work package for 1,000 drains not yet
drawn (a plan with one crew, exported as the crew gets it), fills every task as a crew does
(``done_kind`` cleaning, ``done_date``, a new ``condition_after``) and applies the GeoJSON
through `returns.return_package`, the function behind the web's return endpoint and
``infracensus plans return``: a version per drain (condition and ``last_cleaned``) and an
event each. The peer is the floor of the same writes by hand, on a second copy: one sqlite3
transaction that updates the 1,000 rows and inserts the 1,000 event rows with ``executemany``.

Issuing the package is a row of its own: `planner.propose` (risk scores of the selection,
which read its events, cases and neighbours) then `packages.export`, encoded as the crew's
GeoJSON. Its peer is the floor of reading the same drains by hand: one sqlite3 query of their
rows by uuid and one of their events, encoded as a FeatureCollection with orjson.

    python -m bench --only returns
"""
from __future__ import annotations

import shutil
import sqlite3
import struct
import uuid as uuidlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson

import registry
from bench.cache import remove
from bench.registry_bench import Bench
from bench.report import Figure, Row
from bench.timing import Timings
from registry import Change
from registry.change import iso, utc_now
from registry.plans import packages, planner, returns

LAYER = "drains"
RETURNED = 1_000
CREW, WHO, DONE = "一队", "bench", "2026-06-03"


def returns_job(b: Bench) -> list[Row]:
    """Two rows: issuing a package of 1,000 drains beside reading them by hand, and the
    crew's return of it beside the same rows written by hand."""
    copy, hand = b.scratch / "returns.gpkg", b.scratch / "returns-by-hand.gpkg"
    for path in (copy, hand):
        remove(path)
        shutil.copyfile(b.registry_path, path)
    reg = registry.open(copy)
    try:
        drains = reg.storage.attributes(reg.layers[LAYER], ["uuid"])["uuid"].to_numpy()
        order = np.random.default_rng([b.city.seed, 11]).permutation(drains)
        n = min(RETURNED, len(order))
        issued, read, ours, peer = Timings(), Timings(), Timings(), Timings()
        for i in range(b.repeats):
            picked = np.roll(order, -i * n)[:n].tolist()
            package_id, text = issued.time(_issue, reg, picked)
            by_hand = orjson.loads(read.time(_read_by_hand, hand, picked))
            if len(by_hand["features"]) != len(orjson.loads(text)["features"]):
                raise RuntimeError("issue: the package and the hand read hold other drains")
            text = _filled(text)
            outcome = ours.time(_return, reg, package_id, text)
            if len(outcome["applied"]) != n:
                raise RuntimeError(f"crew return: {len(outcome['applied'])} of {n} applied")
            peer.time(_by_hand, hand, package_id, orjson.loads(text))
    finally:
        reg.close()
        remove(copy)
        remove(hand)
    b.notes.append(f"crew return: {b.repeats} × a package of {n:,} {LAYER} on a copy of the "
                   "cache, each issued for one crew and exported, then every task applied: "
                   "its versions and an event each")
    return [Row(f"issue a work package of {n:,} {LAYER} (plan + crew GeoJSON)",
                Figure("planner.propose + packages.export", issued),
                [Figure("sqlite3 rows + events by uuid, orjson FeatureCollection", read)]),
            Row(f"crew return of {n:,} {LAYER} (condition + cleaning date + event each)",
                Figure("returns.return_package", ours),
                [Figure("sqlite3 executemany UPDATE + INSERT events", peer)])]


def _issue(reg: registry.Registry, uuids: list[str]) -> tuple[str, bytes]:
    """A package of `uuids` for one crew, and the GeoJSON file the crew gets."""
    plan = planner.propose(reg, uuids, Change(who=WHO), crews=[CREW])
    package_id = plan["packages"][0]["id"]
    return package_id, orjson.dumps(packages.export(reg, package_id, WHO))


def _filled(text: bytes) -> bytes:
    """The crew's file with every task done."""
    collection = orjson.loads(text)
    for feature in collection["features"]:
        props = feature["properties"]
        props.update(done_kind="cleaning", done_date=DONE,
                     condition_after=(props["condition"] or 0) % 5 + 1, notes="清掏")
    return orjson.dumps(collection)


def _read_by_hand(path: Path, uuids: list[str]) -> bytes:
    """The drains and their events read with two plain queries, as a FeatureCollection."""
    marks = ", ".join("?" * len(uuids))
    conn = sqlite3.connect(path)
    try:
        cursor = conn.execute(f'SELECT * FROM "{LAYER}" WHERE retired_at IS NULL AND uuid IN ({marks})',
                              uuids)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor]
        cursor = conn.execute(f"SELECT * FROM maintenance_events WHERE uuid IN ({marks})", uuids)
        event_names = [d[0] for d in cursor.description]
        events: dict[str, list[dict[str, Any]]] = {}
        for event in cursor:
            record = dict(zip(event_names, event))
            events.setdefault(record["uuid"], []).append(record)
    finally:
        conn.close()
    features = [{"type": "Feature", "id": row["uuid"], "geometry": _point(row.pop("geom")),
                 "properties": row | {"events": events.get(row["uuid"], [])}} for row in rows]
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def _point(blob: bytes) -> dict[str, Any]:
    """A GeoPackage point blob as GeoJSON: past the header and its envelope, WKB x and y."""
    start = 8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111] + 5
    x, y = struct.unpack_from("<dd" if blob[start - 5] == 1 else ">dd", blob, start)
    return {"type": "Point", "coordinates": [x, y]}


#: Bytes of envelope per envelope indicator of a GeoPackage blob's header flags.
_ENVELOPE_BYTES = (0, 32, 48, 48, 64)


def _return(reg: registry.Registry, package_id: str, text: bytes) -> dict[str, Any]:
    """What the web endpoint does with an uploaded file: parse it and apply it."""
    return returns.return_package(reg, package_id, orjson.loads(text), WHO)


def _by_hand(path: Path, package_id: str, collection: dict[str, Any]) -> None:
    """The same drains' new condition, cleaning date and version, and their events, in one
    transaction of plain SQL."""
    now = iso(utc_now())
    tasks = [f["properties"] for f in collection["features"]]
    conn = sqlite3.connect(path)
    # The GeoPackage R*Tree triggers name these (GDAL provides them); an update that keeps
    # its fid and geometry fires none of them.
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        conn.create_function(name, 1, _never_called)
    try:
        with conn:
            conn.executemany(
                f'UPDATE "{LAYER}" SET condition = ?, last_cleaned = ?, version = version + 1,'
                " updated_at = ? WHERE uuid = ?",
                [(t["condition_after"], t["done_date"], now, t["uuid"]) for t in tasks])
            conn.executemany(
                "INSERT INTO maintenance_events (event_uuid, uuid, layer, kind, date, crew, "
                "condition_before, condition_after, notes, recorded_at, recorded_by, source, "
                "ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'work_package', ?)",
                [(str(uuidlib.uuid4()), t["uuid"], LAYER, t["done_kind"], t["done_date"], CREW,
                  _text(t["condition"]), _text(t["condition_after"]), t["notes"], now, WHO,
                  package_id) for t in tasks])
    finally:
        conn.close()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _never_called(blob: bytes | None) -> None:
    raise RuntimeError("the hand-written return moved a geometry")
