"""The child process one upload is checked and imported in.

``python -m web.uploads.worker JOB.json`` confines itself first (address space, CPU time,
an alarm for wall-clock time, death with its parent), then checks the file
(`web.uploads.preflight`), runs the import pipeline against the registry named in the job and
writes ``{"report": ...}`` or ``{"error": ...}`` to the job's result file. Whatever it
allocates dies with it; the web server's memory never sees the file.

>>> error_json(LimitExceeded("a.csv: too many rows"))["status"]
413
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import traceback
import zipfile
from pathlib import Path
from typing import Any

from registry.errors import InvalidInput, LimitExceeded, RegistryError
from web.uploads.limits import UploadLimits, mebibytes

#: Problems listed in the answer; the full list comes from a dry run with the CLI's --rejects.
LISTED_PROBLEMS = 200
PR_SET_PDEATHSIG = 1
#: Seconds of CPU between the soft limit (SIGXCPU) and the hard one (SIGKILL).
CPU_GRACE = 5


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    limits = UploadLimits(**job["limits"])
    confine(limits, job["parent"])
    try:
        result: dict[str, Any] = {"report": run(job, limits)}
    except MemoryError:
        result = {"error": error_json(LimitExceeded(
            f"{job['name']}: reading it needs more than the memory limit of "
            f"{mebibytes(limits.memory_bytes)} (UPLOAD_MEMORY_BYTES); nothing was written"))}
    except zipfile.BadZipFile as exc:  # a member whose real size or checksum lies
        result = {"error": error_json(InvalidInput(
            f"{job['name']}: damaged or forged zip archive ({exc}); refused"))}
    except (RegistryError, ValueError) as exc:  # ValueError: what the client sent is bad
        result = {"error": error_json(exc)}
    write_result(Path(job["result"]), result)
    return 0


def confine(limits: UploadLimits, parent: int) -> None:
    """Limits this process cannot lift again, and death when the web server dies."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + CPU_GRACE))
    signal.alarm(int(limits.timeout_seconds) + 1)  # the parent's clock is the first guard
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the server died before prctl took hold
        os._exit(1)


def run(job: dict, limits: UploadLimits) -> dict[str, Any]:
    """Check, then import; the import report as the upload's answer."""
    # Imported here, under the limits: the readers are most of the child's memory.
    import registry
    from importers.pipeline import import_survey
    from web.uploads.preflight import check_before_reading

    path, options = Path(job["path"]), job["options"]
    check_before_reading(path, job["name"], options.get("gpkg_layer"), limits)
    reg = registry.open(job["registry"])
    try:
        return report_json(import_survey(reg, path, job["layer"], who=job["who"], **options))
    finally:
        reg.close()


def report_json(report: Any) -> dict[str, Any]:
    """The import report as the upload's answer."""
    return {"file": report.file, "layer": report.layer, "batch": report.batch,
            "dry_run": report.dry_run, "counts": report.counts(), "encoding": report.encoding,
            "encoding_note": report.encoding_note, "crs": report.crs, "crs_note": report.crs_note,
            "columns": report.columns, "unmapped": list(report.unmapped), "notes": report.notes,
            "problems": report.problems[:LISTED_PROBLEMS], "summary": report.summary()}


def error_json(exc: Exception) -> dict[str, Any]:
    """An error as the parent rebuilds it: its class name, status, title and message."""
    if not isinstance(exc, RegistryError):
        exc = InvalidInput(str(exc))
    return {"kind": type(exc).__name__, "status": exc.status, "title": exc.title,
            "detail": str(exc)}


def write_result(path: Path, result: dict[str, Any]) -> None:
    """Written whole, then renamed: the parent never reads half an answer."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")
    partial.replace(path)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:  # an unexpected failure: logged for the server, answered as a 500
        traceback.print_exc()
        sys.exit(70)
