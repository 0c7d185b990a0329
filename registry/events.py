"""Maintenance events: append-only records of what was done to an asset.

>>> e = MaintenanceEvent(kind="cleaning", date="2026-05-03", crew="一队", condition_after=2)
>>> e.as_row("u-1", "drains", Change(who="李工"))["kind"]
'cleaning'
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from registry.change import Change
from registry.errors import InvalidInput

#: Event kinds with the labels crews and engineers use.
EVENT_KINDS = {
    "inspection": "巡检", "cleaning": "清掏", "repair": "维修", "replacement": "更换",
    "valve_install": "自闭阀安装", "valve_verify": "自闭阀验收", "leak": "泄漏",
    "outage": "故障熄灯", "dumping": "倾倒垃圾", "renovation": "改造", "survey": "普查",
}


@dataclass(frozen=True)
class MaintenanceEvent:
    """What a crew did, when, and the asset's condition before and after."""

    kind: str
    date: str
    crew: str | None = None
    condition_before: Any = None
    condition_after: Any = None
    cost: float | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise InvalidInput(f"event kind {self.kind!r} is not one of {', '.join(EVENT_KINDS)}")
        try:
            Date.fromisoformat(str(self.date)[:10])
        except ValueError:
            raise InvalidInput(f"event date {self.date!r} is not a date (YYYY-MM-DD)") from None
        if self.cost is not None and self.cost < 0:
            raise InvalidInput(f"event cost {self.cost} is negative")

    def as_row(self, asset_uuid: str, layer: str, change: Change) -> dict[str, Any]:
        """The stored row for this event on an asset."""
        return {"event_uuid": str(uuidlib.uuid4()), "uuid": asset_uuid, "layer": layer,
                "kind": self.kind, "date": str(self.date), "crew": self.crew,
                "condition_before": _text(self.condition_before),
                "condition_after": _text(self.condition_after), "cost": self.cost,
                "notes": self.notes, "recorded_at": change.stamp, "recorded_by": change.who,
                "source": change.source, "ref": change.ref}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
