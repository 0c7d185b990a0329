"""Reading a crew's returned work package: the FeatureCollection checked feature by feature,
before anything is written. Whatever is wrong is refused with the feature named.

>>> found = read({"type": "FeatureCollection", "package": {"id": "P-K1"}, "features": [
...     {"type": "Feature", "geometry": None, "properties": {
...      "uuid": "2f1c1d4e-8a5b-4c1e-9d7a-0b7d1b2c3d4e", "layer": "drains", "version": 2,
...      "stamp": "ab", "done_kind": "cleaning", "done_date": "2026-05-03"}}]})
>>> found.package, found.features[0].kind, found.features[0].is_new
('P-K1', 'cleaning', False)
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely.geometry
from shapely.geometry.base import BaseGeometry

from registry.errors import InvalidInput
from registry.events import EVENT_KINDS


@dataclass(frozen=True)
class Returned:
    """The package a file claims to be, and its features."""

    package: str
    features: list["CrewFeature"]


@dataclass(frozen=True)
class CrewFeature:
    """One returned feature: a task (with its stamp) or a new asset (without)."""

    number: int
    uuid: str
    layer: str
    properties: dict[str, Any]
    geometry: BaseGeometry | None
    version: int | None = None
    stamp: str | None = None
    kind: str | None = None
    date: str | None = None
    condition_after: Any = None
    notes: str | None = None

    @property
    def is_new(self) -> bool:
        """No stamp: an asset the crew found in the field."""
        return self.stamp is None


def read(collection: Any) -> Returned:
    """Check a returned FeatureCollection (as parsed JSON) and read its features."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("a returned work package must be a GeoJSON FeatureCollection")
    header = collection.get("package")
    if not isinstance(header, dict) or not isinstance(header.get("id"), str):
        raise InvalidInput("the file names no work package (its 'package' member is missing):"
                           " return the file exported for the crew")
    features = collection.get("features")
    if not isinstance(features, list):
        raise InvalidInput("the FeatureCollection has no 'features' list")
    return Returned(header["id"], [_feature(i, f) for i, f in enumerate(features, start=1)])


def _feature(number: int, feature: Any) -> CrewFeature:
    if not isinstance(feature, dict) or feature.get("type") != "Feature" or \
            not isinstance(feature.get("properties"), dict):
        raise InvalidInput(f"feature {number} is not a GeoJSON Feature with properties")
    props = feature["properties"]
    stamp = props.get("stamp") or None
    return CrewFeature(
        number=number, uuid=_uuid(number, props.get("uuid")), layer=_text(number, props, "layer"),
        properties=props, geometry=_geometry(number, feature.get("geometry")),
        version=_version(number, props.get("version"), stamp), stamp=stamp,
        kind=_kind(number, props.get("done_kind")), date=_date(number, props.get("done_date")),
        condition_after=_number(number, props.get("condition_after")),
        notes=props.get("notes") or None)


def _uuid(number: int, value: Any) -> str:
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError:
        raise InvalidInput(f"feature {number}: uuid {value!r} is not a UUID") from None


def _text(number: int, props: dict[str, Any], name: str) -> str:
    value = props.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"feature {number}: '{name}' is missing")
    return value


def _geometry(number: int, value: Any) -> BaseGeometry | None:
    if value is None:
        return None
    try:
        return shapely.geometry.shape(value)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError,
            shapely.errors.GEOSException):
        raise InvalidInput(f"feature {number}: the geometry is not valid GeoJSON") from None


def _version(number: int, value: Any, stamp: Any) -> int | None:
    if stamp is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"feature {number}: version {value!r} is not a number") from None


def _kind(number: int, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in EVENT_KINDS:
        raise InvalidInput(f"feature {number}: done_kind {value!r} is not one of "
                           f"{', '.join(EVENT_KINDS)}")
    return str(value)


def _date(number: int, value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise InvalidInput(f"feature {number}: done_date {value!r} is not a date "
                           "(YYYY-MM-DD)") from None


def _number(number: int, value: Any) -> float | int | None:
    if value in (None, ""):
        return None
    try:
        found = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"feature {number}: condition_after {value!r} is not a number") \
            from None
    return int(found) if found.is_integer() else found
