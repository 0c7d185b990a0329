"""``POST /api/imports``: a data manager uploads a survey file and it is imported.

The form carries ``file`` and ``layer``, and optionally ``crs``, ``encoding``, ``coords``,
``gpkg_layer``, ``dry_run`` and ``accept_duplicates`` (as ``infracensus import``). The file
is checked (`web.uploads.sniff`), saved in a private temporary folder under its own base
name and handed to the import pipeline, which writes one batch in one transaction or
nothing. The answer is the import report as JSON: 201 with the batch, 200 for a dry run.

    curl -H "Authorization: Bearer $TOKEN" -F layer=drains -F file=@雨水箅子.zip \\
         https://census.example.cn/api/imports
"""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from importers.pipeline import import_survey
from importers.report import ImportReport
from importers.sources import WEB_SYSTEMS
from registry.errors import InvalidInput
from web.app import current_registry
from web.auth.identity import who
from web.uploads.sniff import check_upload, safe_name

#: Problems listed in the answer; the full list comes from a dry run with the CLI's --rejects.
LISTED_PROBLEMS = 200
TRUE = ("1", "true", "yes", "on")


def create_blueprint() -> Blueprint:
    """The ``imports`` blueprint (the policy gives its writes to the ``import`` permission)."""
    blueprint = Blueprint("imports", __name__, url_prefix="/api")
    blueprint.add_url_rule("/imports", "upload", upload, methods=["POST"])
    return blueprint


def upload() -> tuple[Response, int]:
    reg = current_registry()
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidInput("send the survey as a multipart form field named 'file'")
    layer = request.form.get("layer", "")
    reg.layers[layer]  # an unknown layer is refused before the file is even saved
    name = safe_name(sent.filename)
    with tempfile.TemporaryDirectory(prefix="infracensus-upload-") as folder:
        path = Path(folder) / name
        sent.save(path)
        check_upload(path, name)
        report = _run(reg, path, layer)
    return jsonify(report_json(report)), 200 if report.dry_run else 201


def _run(reg: Any, path: Path, layer: str) -> ImportReport:
    form = request.form
    coords = form.get("coords") or None
    if coords is not None and coords not in WEB_SYSTEMS:
        raise InvalidInput(f"coords must be one of {', '.join(WEB_SYSTEMS)}, got {coords!r}")
    try:
        return import_survey(reg, path, layer, who=who(), encoding=form.get("encoding") or None,
                             crs=form.get("crs") or None, coords=coords,
                             gpkg_layer=form.get("gpkg_layer") or None,
                             dry_run=form.get("dry_run", "").lower() in TRUE,
                             accept_duplicates=form.get("accept_duplicates", "").lower() in TRUE)
    except zipfile.BadZipFile as exc:  # a member whose real size or checksum lies
        raise InvalidInput(f"{path.name}: damaged or forged zip archive ({exc}); refused") from None


def report_json(report: ImportReport) -> dict[str, Any]:
    """The import report as the upload's answer."""
    return {"file": report.file, "layer": report.layer, "batch": report.batch,
            "dry_run": report.dry_run, "counts": report.counts(), "encoding": report.encoding,
            "encoding_note": report.encoding_note, "crs": report.crs, "crs_note": report.crs_note,
            "columns": report.columns, "unmapped": list(report.unmapped), "notes": report.notes,
            "problems": report.problems[:LISTED_PROBLEMS], "summary": report.summary()}
