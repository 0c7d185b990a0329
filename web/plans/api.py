"""The JSON API of repair plans: an asset's score explained (for the asset panel), scores of
a layer as GeoJSON (to colour the map), plans proposed from a map selection, and work
packages exported, returned, and their conflicts settled.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/api/plans/scores/a1")
('plans.asset_score', {'uuid': 'a1'})
"""
from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request

from registry import Change, Query, Registry
from registry.errors import Forbidden, InvalidInput, NotFound
from registry.grids import assign
from registry.plans import conflicts, packages, planner, returns, risk
from registry.plans.returned import read as read_returned
from registry.plans.weights import load_book
from web.app import current_registry
from web.auth import scope
from web.auth.identity import who
from web.geojson import feature_collection
from web.map.i18n import language
from web.map.selection import Selection
from web.plans import files

#: Term labels shown beside each line of an explanation.
TERM_LABELS = {
    "condition": ("状况", "Condition"), "age": ("使用年限", "Age (years)"),
    "material": ("材质", "Material"), "incidents": ("案件与事件", "Cases and incidents"),
    "overdue": ("逾期巡检 (天)", "Inspection overdue (days)"),
    "main_road": ("主干道", "Main road"), "neighbours": ("周边设施", "Assets nearby"),
    "crossing": ("路口", "Crossing"), "bridge_type": ("桥梁类型", "Bridge type"),
    "span": ("主跨 (m)", "Span (m)"), "households": ("供气户数", "Households served"),
}
SCORES_KEY = "infracensus.plans.scores"
_scoring = threading.Lock()


def create_blueprint() -> Blueprint:
    """``/api/plans...`` and ``/api/packages/<id>/...``."""
    bp = Blueprint("plans", __name__, url_prefix="/api")
    bp.add_url_rule("/plans/scores/<uuid>", "asset_score", asset_score)
    bp.add_url_rule("/plans/scores.geojson", "score_features", score_features)
    bp.add_url_rule("/plans", "plans", plan_list)
    bp.add_url_rule("/plans", "propose", propose, methods=["POST"])
    bp.add_url_rule("/plans/<plan_id>", "plan", plan)
    bp.add_url_rule("/packages/<package_id>/export", "export_package", export_package)
    bp.add_url_rule("/packages/<package_id>/return", "return_package", return_package,
                    methods=["POST"])
    bp.add_url_rule("/packages/<package_id>/conflicts", "conflicts", package_conflicts)
    bp.add_url_rule("/packages/<package_id>/settle", "settle", settle, methods=["POST"])
    return bp


def asset_score(uuid: str) -> Response:
    reg, lang = current_registry(), language(request.args)
    scope.visible_asset(reg.get(uuid))
    row = risk.score_assets(reg, [uuid]).iloc[0]
    found = risk.summary(row, load_book())
    for term in found["terms"]:
        term["label"] = TERM_LABELS[term["term"]][0 if lang == "zh" else 1]
    return jsonify(found)


def score_features() -> Response:
    """``?layer=&bbox=``: the layer's assets (in the box) with their ``score``."""
    reg = current_registry()
    layer = reg.layers[request.args.get("layer", "")].name
    table = layer_scores(reg, layer)
    frame = reg.query(scope.scoped(Query(layer, bbox=_bbox(request.args.get("bbox")))))
    scored = frame[["uuid", frame.geometry.name]].assign(
        score=table.reindex(frame["uuid"]).to_numpy(dtype=float))
    return Response(feature_collection(scored), mimetype="application/geo+json")


def layer_scores(reg: Registry, layer: str) -> pd.Series:
    """A layer's scores by uuid, kept until the registry or the day changes."""
    cache = current_app.extensions.setdefault(SCORES_KEY, {})
    key = (layer, reg.change_stamp(), date.today())
    with _scoring:  # one scoring run at a time: they are whole-layer array work
        if key not in cache:
            for stale in [k for k in cache if k[0] == layer]:
                del cache[stale]
            table = risk.score(reg, layer)
            cache[key] = pd.Series(table["score"].to_numpy(), index=table["uuid"])
        return cache[key]


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput(f"bbox must be minx,miny,maxx,maxy, got {text!r}") from None
    return minx, miny, maxx, maxy


def plan_list() -> Response:
    found = current_registry().documents(planner.PLAN)
    return jsonify([{k: d["body"][k] for k in ("id", "title", "created_by", "created_at",
                                               "totals")} for d in reversed(found)
                    if scope.visible_plan(d["body"])])


def propose() -> Response:
    """Body: ``{"selection": {as /api/select}, "budget_yuan", "crew_days", "crews", "title"}``."""
    reg, body = current_registry(), _json()
    picked = Selection.from_mapping(body.get("selection") or {})
    selected = picked.query(reg)
    scope.check_layer(selected.layer)
    scope.check_grids(scope.grids_of(reg, selected), "the selection to plan")
    made = planner.propose(reg, selected, Change(who=who()),
                           budget_yuan=_number(body, "budget_yuan"),
                           crew_days=_number(body, "crew_days"), crews=_crews(body),
                           title=str(body.get("title") or ""))
    return jsonify(made)


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object")
    return body


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number, got {value!r}") from None


def _crews(body: dict[str, Any]) -> list[str]:
    crews = body.get("crews") or []
    if isinstance(crews, str):
        crews = crews.split(",")
    if not isinstance(crews, list):
        raise InvalidInput(f"crews must be a list of crew names, got {crews!r}")
    return [str(c).strip() for c in crews if str(c).strip()]


def plan(plan_id: str) -> Response:
    return jsonify(visible_plan(current_registry(), plan_id))


def visible_plan(reg: Registry, plan_id: str) -> dict[str, Any]:
    """The plan, or NotFound (as for no such plan) if any of its work lies outside the scope."""
    try:
        made = planner.show(reg, plan_id)
    except NotFound:
        if scope.current().limited:  # the message would list plans of other grids
            raise NotFound(f"no plan {plan_id}") from None
        raise
    if not scope.visible_plan(made):
        raise NotFound(f"no plan {plan_id}")
    return made


def check_package(reg: Registry, package_id: str) -> dict[str, Any]:
    """The package's body; Forbidden unless all its work lies in the caller's grids (a crew
    takes out and returns its own packages; a planner without grids reaches every one)."""
    body = packages.load(reg, package_id)["body"]
    scope.check_grids(scope.plan_grids(body), f"work package {package_id}")
    return body


def export_package(package_id: str) -> Response:
    """``?format=geojson|gpkg``: the crew's file."""
    fmt = request.args.get("format", "geojson")
    if fmt not in files.MEDIA_TYPES:
        raise InvalidInput(f"format must be geojson or gpkg, got {fmt!r}")
    check_package(current_registry(), package_id)
    collection = packages.export(current_registry(), package_id, who())
    return Response(files.encode(collection, fmt), mimetype=files.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{package_id}.{fmt}"'})


def return_package(package_id: str) -> Response:
    """The returned file as an upload (``file``) or as the GeoJSON body itself."""
    reg = current_registry()
    body = check_package(reg, package_id)
    upload = request.files.get("file")
    asset_layers = [n for n, layer in reg.layers.items() if not layer.is_grid]
    if upload is not None:
        collection = files.decode(upload.read(), upload.filename or "", asset_layers)
    else:
        collection = files.decode(request.get_data(), "returned.geojson", asset_layers)
    _check_new_assets(reg, package_id, body, collection)
    return jsonify(returns.return_package(reg, package_id, collection, who()))


def _check_new_assets(reg: Registry, package_id: str, package: dict[str, Any],
                      collection: Any) -> None:
    """Assets found in the field belong to the package's layers and lie in its grids (and the
    crew's): a drains package cannot bring a gas main, nor an asset of another grid."""
    new = [f for f in read_returned(collection).features if f.is_new and f.geometry is not None]
    layers = {t["layer"] for t in package["tasks"]}
    for f in new:
        if f.layer not in layers:
            raise Forbidden(f"feature {f.number}: work package {package_id} holds "
                            f"{', '.join(sorted(layers))}, not {f.layer}: nothing was applied")
    if not new:
        return
    cells = reg.query(Query(reg.layers.grid_layer.name))
    found = assign([f.geometry for f in new], cells.geometry.to_numpy(), cells["grid_code"])
    allowed = scope.plan_grids(package)
    named = ", ".join(sorted(map(str, allowed)))
    for f, grid in zip(new, found):
        if grid not in allowed:
            raise Forbidden(f"feature {f.number}: the new asset lies in grid {grid}, outside "
                            f"work package {package_id} (grids {named}): nothing was applied")
    scope.check_grids(found, f"the new assets of work package {package_id}")


def package_conflicts(package_id: str) -> Response:
    check_package(current_registry(), package_id)
    return jsonify(conflicts.conflicts(current_registry(), package_id))


def settle(package_id: str) -> Response:
    """Body: ``{"uuid", "choice"}``, choice ``office``, ``crew`` or ``{field: side}``."""
    body = _json()
    uuid, choice = body.get("uuid"), body.get("choice")
    if not isinstance(uuid, str) or not isinstance(choice, (str, dict)):
        raise InvalidInput("send {\"uuid\": ..., \"choice\": \"office\" | \"crew\" | "
                           "{field: side}}")
    check_package(current_registry(), package_id)
    return jsonify(conflicts.settle(current_registry(), package_id, uuid, choice, who()))
