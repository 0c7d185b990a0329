"""What crew results do to assets: the attributes the crew corrected (against the version
it was given), where it moved the asset, the maintenance event it records, and applying them
— many results together, a few writes for all.

>>> same(1.2, 1.2000000000001), same("2026-05-03", "2026-05-03"), same(None, 0)
(True, True, False)
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Sequence

import geopandas as gpd
import orjson
import pandas as pd
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from registry.change import Change, parse_moment
from registry.errors import InvalidInput
from registry.events import MaintenanceEvent
from registry.layers import Layer
from registry.plans.returned import CrewFeature
from registry.plans.weights import RuleBook

if TYPE_CHECKING:
    from registry.api import Registry

#: A crew's geometry is a correction when some part of it lies further than this from the
#: geometry it was given: GPS re-surveys jitter by centimetres, a relocated inlet by metres.
MOVED_M = 0.5
GEOMETRY = "geometry"


def plain(value: Any) -> Any:
    """A value from a file as JSON would hold it: None for every missing, dates as text."""
    if value is None or value is pd.NA or value is pd.NaT or value == "":
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()[:10]
    return value.item() if hasattr(value, "item") else value


def same(a: Any, b: Any) -> bool:
    """Whether a crew's value equals the registry's (numbers within rounding)."""
    a, b = plain(a), plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return str(a) == str(b)


def scale_field(layer: Layer) -> str | None:
    """The field a condition is recorded in (grade, or BCI for bridges)."""
    return layer.condition.field or layer.condition.score_field


def state_at(reg: "Registry", uuid: str, version: int) -> dict[str, Any]:
    """An asset's attributes as they were at `version`."""
    for entry in reg.history(uuid)["versions"]:
        if entry["version"] == version:
            return entry["state"]
    raise InvalidInput(f"asset {uuid} never had version {version}")


def relocation(reg: "Registry", uuid: str, version: int, feature: CrewFeature
               ) -> dict[str, Any]:
    """``{"geometry": GeoJSON, "moved_m": metres}`` when the crew moved or re-traced the asset
    (Hausdorff distance from the geometry of `version` over MOVED_M), else empty."""
    if feature.geometry is None:
        return {}
    given = reg.get(uuid, as_of=parse_moment(_valid_from(reg, uuid, version)))["geometry"]
    return relocations(reg, [given], [feature])[0]


def relocations(reg: "Registry", given: Sequence[BaseGeometry | None],
                features: Sequence[CrewFeature]) -> list[dict[str, Any]]:
    """`relocation` of each feature from the geometry it was `given`, measured together."""
    out: list[dict[str, Any]] = [{} for _ in features]
    crewed = [i for i, f in enumerate(features) if f.geometry is not None]
    if not crewed:
        return out
    before = reg.to_metric([given[i] for i in crewed])
    after = reg.to_metric([features[i].geometry for i in crewed])
    for i, moved in zip(crewed, shapely.hausdorff_distance(before, after).tolist()):
        if not moved <= MOVED_M:
            out[i] = {GEOMETRY: shapely.geometry.mapping(features[i].geometry),
                      "moved_m": round(moved, 1)}
    return out


def _valid_from(reg: "Registry", uuid: str, version: int) -> str:
    for entry in reg.history(uuid)["versions"]:
        if entry["version"] == version:
            return entry["valid_from"]
    raise InvalidInput(f"asset {uuid} never had version {version}")


def corrections(layer: Layer, feature: CrewFeature, given: dict[str, Any]) -> dict[str, Any]:
    """Fields the crew changed from the version it was `given` (derived ones ignored)."""
    return {f.name: plain(feature.properties[f.name]) for f in layer.fields
            if not f.derived and f.name in feature.properties
            and not same(feature.properties[f.name], given.get(f.name))}


def event_of(layer: Layer, feature: CrewFeature, fixed: dict[str, Any], given: dict[str, Any],
             crew: str, today: date) -> MaintenanceEvent | None:
    """The maintenance event a result records, if any. A condition typed over the condition
    field counts as ``condition_after``; a result without a kind is an inspection."""
    scale = scale_field(layer)
    after = feature.condition_after
    if scale and scale in fixed:
        typed = fixed.pop(scale)
        after = typed if after is None else after
    if feature.kind is None and after is None and feature.notes is None:
        return None
    return MaintenanceEvent(kind=feature.kind or "inspection",
                            date=feature.date or today.isoformat(), crew=crew,
                            condition_before=given.get(scale) if scale else None,
                            condition_after=after, notes=feature.notes)


def result_id(uuid: str, feature: CrewFeature, fixed: dict[str, Any]) -> str:
    """A fingerprint of what the crew wrote for an asset: the same return twice has the
    same ids, so it is applied once."""
    body = {"uuid": uuid, "fixed": fixed, "kind": feature.kind, "date": feature.date,
            "after": feature.condition_after, "notes": feature.notes}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)
                          ).hexdigest()[:24]


def event_body(event: MaintenanceEvent | None) -> dict[str, Any] | None:
    """An event as a document holds it."""
    return asdict(event) if event else None


@dataclass(frozen=True)
class Result:
    """A crew's result ready to apply to an asset found at `expected_version`."""

    uuid: str
    layer: str
    fixed: dict[str, Any]
    event: MaintenanceEvent | None
    expected_version: int


def apply(reg: "Registry", done: Sequence[Result], change: Change, book: RuleBook) -> None:
    """Write each asset's corrections (one version) and then its event (its condition
    another); a visit also moves the layer's inspection date field, e.g. ``last_cleaned``.

    Corrections of the same fields on a layer go through one `update_many`, all events through
    one `record_events`; Conflict, and nothing written, if an asset has moved on since.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Result, dict[str, Any]]]] = {}
    for result in done:
        fields = _fields(result, book)
        if fields or result.fixed.get(GEOMETRY):
            groups.setdefault((result.layer, tuple(fields)), []).append((result, fields))
    with reg.transaction():
        for (layer, names), members in groups.items():
            reg.update_many(layer, _edits(reg, names, members), change,
                            expected_versions=[r.expected_version for r, _ in members])
        reg.record_events([(r.uuid, r.event) for r in done if r.event], change)


def _fields(result: Result, book: RuleBook) -> dict[str, Any]:
    """The attribute corrections of a result, with the inspection date a visit sets."""
    fields = {k: v for k, v in result.fixed.items() if k not in (GEOMETRY, "moved_m")}
    visited = book.rules(result.layer).inspection_field
    if result.event and visited and result.event.kind in book.visit_kinds:
        fields.setdefault(visited, result.event.date)
    return fields


def _edits(reg: "Registry", names: tuple[str, ...],
           members: list[tuple[Result, dict[str, Any]]]) -> gpd.GeoDataFrame:
    """The `update_many` edits of results correcting the same fields; a geometry only
    where the crew moved the asset."""
    moved = [r.fixed.get(GEOMETRY) for r, _ in members]
    return gpd.GeoDataFrame(
        {"uuid": [r.uuid for r, _ in members],
         **{n: [fields[n] for _, fields in members] for n in names}},
        geometry=[shapely.geometry.shape(m) if m else None for m in moved],
        crs=reg.settings.storage_srid)
