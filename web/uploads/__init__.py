"""``POST /api/imports``: a data manager uploads a survey file and it is imported.

The form carries ``file`` and ``layer``, and optionally ``crs``, ``encoding``, ``coords``,
``gpkg_layer``, ``dry_run`` and ``accept_duplicates`` (as ``infracensus import``). The file
is checked (`web.uploads.sniff`), saved in a private temporary folder under its own base
name and handed to a child process (`web.uploads.child`) that checks it again
(`web.uploads.preflight`: unpacked size, rows, GeoPackage views and triggers) and runs the
import pipeline under memory, CPU and wall-clock limits (`web.uploads.limits`); the pipeline
writes one batch in one transaction or nothing. The answer is the import report as JSON:
201 with the batch, 200 for a dry run; a limit reached is a 413 naming the limit.

    curl -H "Authorization: Bearer $TOKEN" -F layer=drains -F file=@雨水箅子.zip \\
         https://census.example.cn/api/imports
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from importers.sources import WEB_SYSTEMS
from registry.errors import InvalidInput
from web.app import current_registry
from web.auth.identity import who
from web.uploads.child import clean_stale, client_gone_probe, run_import, upload_folder
from web.uploads.limits import UploadLimits
from web.uploads.sniff import check_upload, safe_name

TRUE = ("1", "true", "yes", "on")


def create_blueprint() -> Blueprint:
    """The ``imports`` blueprint (the policy gives its writes to the ``import`` permission)."""
    blueprint = Blueprint("imports", __name__, url_prefix="/api")
    blueprint.add_url_rule("/imports", "upload", upload, methods=["POST"])
    blueprint.record_once(_clean_at_start)
    return blueprint


def _clean_at_start(state: BlueprintSetupState) -> None:
    """Folders of a server killed mid-upload (even by ``kill -9``) go at the next start."""
    clean_stale(UploadLimits.from_config(state.app.config))


def upload() -> tuple[Response, int]:
    reg = current_registry()
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidInput("send the survey as a multipart form field named 'file'")
    layer = request.form.get("layer", "")
    reg.layers[layer]  # an unknown layer is refused before the file is even saved
    name = safe_name(sent.filename)
    options = _options()
    limits = UploadLimits.from_config(current_app.config)
    with upload_folder(limits) as folder:
        path = folder / "file" / name  # its own folder: no name can clash with the job's files
        path.parent.mkdir()
        sent.save(path)
        check_upload(path, name)
        report = run_import(_job(path, name, layer, options), folder, limits,
                            client_gone_probe(request.environ))
    return jsonify(report), 200 if report["dry_run"] else 201


def _options() -> dict[str, Any]:
    """The import options of the form, as `import_survey` takes them."""
    form = request.form
    coords = form.get("coords") or None
    if coords is not None and coords not in WEB_SYSTEMS:
        raise InvalidInput(f"coords must be one of {', '.join(WEB_SYSTEMS)}, got {coords!r}")
    return {"encoding": form.get("encoding") or None, "crs": form.get("crs") or None,
            "coords": coords, "gpkg_layer": form.get("gpkg_layer") or None,
            "dry_run": form.get("dry_run", "").lower() in TRUE,
            "accept_duplicates": form.get("accept_duplicates", "").lower() in TRUE}


def _job(path: Path, name: str, layer: str, options: dict[str, Any]) -> dict[str, Any]:
    return {"registry": str(current_app.config["REGISTRY"]), "path": str(path), "name": name,
            "layer": layer, "who": who(), "options": options}
