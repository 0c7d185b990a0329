"""The review queue: what an import left for a person to decide, kept with its batch.

Two kinds of item come out of an import: a **probable duplicate** that was held (not
inserted: it lies within the duplicate tolerance of an asset or of an earlier record), kept
whole — its checked fields, source id, source attributes and geometry — so that accepting
it inserts exactly what the survey said; and a **flagged field** of an asset that was
written (a value kept raw and the field left empty, e.g. a depth in feet). Each batch's
items are one document (kind ``review``, key the batch UUID), so deciding is one write,
checked against the version the decider saw.

Decisions: *accept* inserts a held duplicate as a new asset, or closes a flagged field as
stored; *reject* closes either with nothing written; *edit* gives values first — the held
record's before it is inserted, or the flagged field's, written to its asset as a version.

>>> import registry, tempfile, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/c.gpkg", county="130102")
>>> item = {"row": 7, "kind": "duplicate", "field": "geometry", "value": "114.5, 38.04",
...         "reason": "within 1 m of row 3 of this file", "source_id": "YS7",
...         "record": {"source_id": "YS7", "depth_m": 1.2},
...         "geometry": shapely.geometry.mapping(shapely.Point(114.5, 38.04))}
>>> hold(reg, {"batch_uuid": "b1", "layer": "drains", "file_name": "d.csv"}, [item],
...      Change(who="王工"))
>>> [(i.row, i.kind, i.status) for i in items(reg)]
[(7, 'duplicate', 'open')]
>>> decide(reg, "b1", [7], "accept", Change(who="李工"))[0].status
'accepted'
>>> reg.count(registry.Query("drains"))
1
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import geopandas as gpd
import orjson
import shapely
from shapely.geometry import shape

from registry.change import Change
from registry.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from registry.api import Registry

KIND = "review"
DUPLICATE, FLAGGED = "duplicate", "flagged"
OPEN, ACCEPTED, REJECTED, EDITED = "open", "accepted", "rejected", "edited"
DECISIONS = ("accept", "reject", "edit")


@dataclass(frozen=True)
class ReviewItem:
    """One thing a person must decide, as a page or the CLI shows it."""

    batch: str
    layer: str
    file_name: str
    row: int
    kind: str
    field: str | None
    value: Any
    reason: str
    status: str
    source_id: str | None = None
    asset: str | None = None
    geometry: Mapping[str, Any] | None = None
    record: Mapping[str, Any] = dataclass_field(default_factory=dict)
    decided_by: str | None = None
    decided_at: str | None = None

    @property
    def key(self) -> str:
        """A stable name for the item: batch, row, kind and field."""
        return f"{self.batch}:{self.row}:{self.kind}:{self.field or ''}"


def hold(reg: "Registry", batch: Mapping[str, Any], found: Sequence[Mapping[str, Any]],
         change: Change) -> None:
    """Keep an import batch's items (dicts of `ReviewItem`'s fields less the batch's own)
    open for review; nothing is saved when there are none. An item already open from an
    earlier batch (the same file imported again) is not held twice: accepting both would
    insert one record twice."""
    held = {_same(i) for i in items(reg, layer=batch["layer"])}
    found = [item for item in found if _same(item) not in held]
    if not found:
        return
    body = {"batch": batch["batch_uuid"], "layer": batch["layer"],
            "file_name": batch["file_name"],
            "items": [{**item, "status": OPEN, "decided_by": None, "decided_at": None}
                      for item in found]}
    reg.save_document(KIND, batch["batch_uuid"], body, change, expected_version=0)


def items(reg: "Registry", status: str | None = OPEN, batch: str | None = None,
          layer: str | None = None) -> list[ReviewItem]:
    """The review items (open ones by default; None: all), newest batch first, by row."""
    docs = [reg.document(KIND, batch)] if batch else reg.documents(KIND)
    docs.sort(key=lambda d: d["created_at"], reverse=True)
    return [item for doc in docs for item in _items(doc["body"])
            if (status is None or item.status == status) and layer in (None, item.layer)]


def _same(item: ReviewItem | Mapping[str, Any]) -> str:
    """What makes two items the same decision: kind, field, asset, record and place."""
    get = item.get if isinstance(item, Mapping) else lambda k: getattr(item, k)
    return orjson.dumps([get(k) for k in ("kind", "field", "asset", "record", "geometry")],
                        option=orjson.OPT_SORT_KEYS, default=str).decode()


def _items(body: Mapping[str, Any]) -> list[ReviewItem]:
    same = {"batch": body["batch"], "layer": body["layer"], "file_name": body["file_name"]}
    return [ReviewItem(**same, **item) for item in body["items"]]


def batch_of(reg: "Registry", key: str | None) -> str:
    """The batch a decision is about: its UUID or a unique start of it, or with none given
    the one batch that has open items."""
    held = {i.batch for i in items(reg)} if key is None else \
        {d["key"] for d in reg.documents(KIND) if d["key"].startswith(key)}
    if len(held) == 1:
        return held.pop()
    if not held:
        raise NotFound("nothing to review" if key is None else
                       f"no review items of batch {key!r} (see `infracensus review list`)")
    raise InvalidInput(f"{len(held)} batches have review items: name one with --batch")


def decide(reg: "Registry", batch: str, rows: Iterable[int], decision: str, change: Change,
           edits: Mapping[str, Any] | None = None) -> list[ReviewItem]:
    """Decide the open items of `rows` of `batch` (all of a row's items at once); returns
    them decided. Everything is one transaction: a held record the registry refuses (its
    source id taken meanwhile, a bad edit) leaves every item open and nothing written."""
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if decision == "edit" and not edits:
        raise InvalidInput("an edit gives the values to write: field=value")
    doc = reg.document(KIND, batch)
    body, wanted = doc["body"], {int(r) for r in rows}
    chosen = [i for i in body["items"] if i["row"] in wanted and i["status"] == OPEN]
    missing = wanted - {i["row"] for i in chosen}
    if missing:
        raise NotFound(f"batch {batch[:8]} has no open review item for row {min(missing)}")
    with reg.transaction():
        _apply(reg, body["layer"], chosen, decision, dict(edits or {}), change)
        status = {"accept": ACCEPTED, "reject": REJECTED, "edit": EDITED}[decision]
        for item in chosen:
            item.update(status=status, decided_by=change.who, decided_at=change.stamp)
        reg.save_document(KIND, batch, body, change, expected_version=doc["version"])
    decided = {id(i) for i in chosen}
    return [r for r, raw in zip(_items(body), body["items"]) if id(raw) in decided]


def _apply(reg: "Registry", layer: str, chosen: list[dict], decision: str,
           edits: dict[str, Any], change: Change) -> None:
    """Write what the decision means: held records inserted, flagged fields edited."""
    if decision == "reject":
        return
    held = [i for i in chosen if i["kind"] == DUPLICATE]
    if held:
        records = [{**i["record"], **edits} for i in held]
        geoms = [shape(i["geometry"]) if i["geometry"] else None for i in held]
        frame = gpd.GeoDataFrame(records, geometry=geoms, crs=reg.settings.storage_srid)
        reg.add(layer, frame, change)
    if decision == "edit":
        flagged = [i["asset"] for i in chosen if i["kind"] == FLAGGED and i["asset"]]
        for uuid in dict.fromkeys(flagged):
            reg.update(uuid, edits, change=change)


def geometry_json(geom: Any) -> dict[str, Any] | None:
    """A geometry as the GeoJSON mapping an item keeps (None for none).

    >>> geometry_json(shapely.Point(114.5, 38.0))
    {'type': 'Point', 'coordinates': (114.5, 38.0)}
    """
    if geom is None or shapely.is_missing(geom) or geom.is_empty:
        return None
    return shapely.geometry.mapping(geom)
