"""Conflicts of a work-package return: an asset the office changed after the export. The
crew's result is held, not applied, and listed side by side (exported, office and crew value
per field) until a person settles it: keep the office's values, take the crew's, or choose
field by field.

>>> choices({"fields": [{"field": "condition"}, {"field": "depth_m"}]}, {"depth_m": "crew"})
{'condition': 'office', 'depth_m': 'crew'}
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from registry.errors import InvalidInput, NotFound
from registry.events import MaintenanceEvent
from registry.layers import Layer
from registry.plans import results
from registry.plans.packages import load, work_change
from registry.plans.planner import PACKAGE
from registry.plans.weights import RuleBook, load_book

if TYPE_CHECKING:
    from registry.api import Registry

JOURNAL = "package_return"
SIDES = ("office", "crew")


def record(reg: "Registry", layer: Layer, uuid: str, exported_version: int,
           given: dict[str, Any], fixed: dict[str, Any], event: MaintenanceEvent | None,
           result_id: str) -> dict[str, Any]:
    """The side-by-side record of a held result."""
    current = reg.get(uuid)["properties"]
    crew = dict(fixed)
    scale = results.scale_field(layer)
    if scale and event and event.condition_after is not None:
        crew[scale] = event.condition_after
    fields = [{"field": f.name, "label": f.label("zh"), "exported": given.get(f.name),
               "office": current.get(f.name), "crew": crew.get(f.name, given.get(f.name))}
              for f in layer.fields if not f.derived and
              (f.name in crew or not results.same(current.get(f.name), given.get(f.name)))]
    if results.GEOMETRY in crew:
        fields.append({"field": results.GEOMETRY, "label": "位置", "exported": None,
                       "office": None, "crew": f"moved {crew['moved_m']} m"})
    last = reg.history(uuid)["versions"][-1]
    return {"uuid": uuid, "layer": layer.name, "gbt_code": current.get("gbt_code"),
            "result_id": result_id, "exported_version": exported_version,
            "office_version": current["version"], "fields": fields, "corrections": fixed,
            "event": results.event_body(event),
            "office_change": {"who": last["who"], "at": last["valid_from"], "why": last["why"]}}


def conflicts(reg: "Registry", package_id: str) -> list[dict[str, Any]]:
    """The held results of a package, in task order."""
    body = load(reg, package_id)["body"]
    order = {t["uuid"]: t["order"] for t in body["tasks"]}
    return sorted(body["conflicts"].values(), key=lambda c: order.get(c["uuid"], 0))


def choices(conflict: Mapping[str, Any], choice: str | Mapping[str, str]) -> dict[str, str]:
    """Which side wins each field: one side for all, or per field (office by default)."""
    names = [f["field"] for f in conflict["fields"]]
    if isinstance(choice, str):
        if choice not in SIDES:
            raise InvalidInput(f"choose 'office' or 'crew', not {choice!r}")
        return dict.fromkeys(names, choice)
    strange = set(choice) - set(names)
    bad = {v for v in choice.values() if v not in SIDES}
    if strange or bad:
        raise InvalidInput(f"per-field choices name fields {sorted(names)} and sides "
                           f"office/crew; got {dict(choice)}")
    return {name: choice.get(name, "office") for name in names}


def settle(reg: "Registry", package_id: str, uuid: str, choice: str | Mapping[str, str],
           who: str, book: RuleBook | None = None) -> dict[str, Any]:
    """Settle one held result; the crew's side is applied on the office's version."""
    doc = load(reg, package_id)
    held = doc["body"]["conflicts"].get(uuid)
    if held is None:
        raise NotFound(f"work package {package_id} has no conflict on asset {uuid}")
    picks = choices(held, choice)
    layer = reg.layers[held["layer"]]
    fixed = {k: v for k, v in held["corrections"].items() if picks.get(k) == "crew"}
    event = _event(held, picks.get(results.scale_field(layer) or "", "office"))
    change = work_change(who, package_id, f"conflict settled ({_said(choice)})")
    with reg.transaction():
        results.apply(reg, [results.Result(uuid, held["layer"], fixed, event,
                                           held["office_version"])], change,
                      book or load_book())
        del doc["body"]["conflicts"][uuid]
        reg.save_document(PACKAGE, package_id, doc["body"], change,
                          expected_version=doc["version"])
        reg.append_journal(JOURNAL, package_id, {"settled": uuid, "choice": picks,
                                                 "results": []}, change)
    return {"uuid": uuid, "choice": picks, "applied": sorted(fixed),
            "event": results.event_body(event)}


def _event(held: Mapping[str, Any], condition_side: str) -> MaintenanceEvent | None:
    """The held event; when the office's condition is kept, without the crew's."""
    body = held["event"]
    if body is None:
        return None
    if condition_side == "office" and body["condition_after"] is not None:
        note = f"班组状况 crew condition {body['condition_after']} (office kept its own)"
        body = body | {"condition_after": None,
                       "notes": "; ".join(n for n in (body["notes"], note) if n)}
    return MaintenanceEvent(**body)


def _said(choice: str | Mapping[str, str]) -> str:
    return choice if isinstance(choice, str) else ", ".join(f"{k}: {v}" for k, v in choice.items())
