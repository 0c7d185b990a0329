"""Re-import an earlier batch from its archived file, with a new mapping: no new delivery.

The batch's file comes out of the registry's archive (`importers.delivery`), checked
against the checksum the batch recorded, and goes through the whole import again with the
batch's own reading options (encoding, CRS, web offset, layer in the file) and the mapping
given now. It is a new batch; records whose source ids match update the same assets, so a
column the first mapping missed reaches its field without asking the contractor again.

>>> report = rebatch(reg, "3f2a9c", who="王工", mapping="contractor-a.toml")  # doctest: +SKIP
>>> report.updated                                                           # doctest: +SKIP
240
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from importers.delivery import unpack
from importers.fields import MappingFile
from importers.held import AcceptDuplicates
from importers.pipeline import Progress, import_survey
from importers.report import ImportReport
from registry import Registry
from registry.errors import NotFound

#: The options of a batch that say how its file was read, passed on as they were.
READING_OPTIONS = ("encoding", "crs", "coords", "gpkg_layer", "xy")


def _reading(options: dict) -> dict:
    """How the batch read its file (``xy`` is stored as a list: the reader takes a pair)."""
    out = {k: options.get(k) for k in READING_OPTIONS}
    out["xy"] = tuple(out["xy"]) if out["xy"] else None
    return out


def rebatch(reg: Registry, batch: str, *, who: str,
            mapping: str | Path | MappingFile | None = None, dry_run: bool = False,
            accept_duplicates: AcceptDuplicates = False, progress: Progress | None = None
            ) -> ImportReport:
    """Import the archived file of `batch` (its UUID or a unique start) again, as a new batch."""
    earlier = reg.batch(batch)
    delivered = reg.archived_file(earlier["checksum"]) if earlier["checksum"] else None
    if delivered is None:
        raise NotFound(f"batch {earlier['batch_uuid'][:8]} ({earlier['file_name']}) has no "
                       "archived file: it was imported before files were archived; import "
                       "the file itself again")
    options = earlier.get("options") or {}
    with tempfile.TemporaryDirectory(prefix="infracensus-rebatch-") as folder:
        path = unpack(delivered, Path(folder))
        report = import_survey(reg, path, earlier["layer"], who=who, mapping=mapping,
                               dry_run=dry_run, accept_duplicates=accept_duplicates,
                               progress=progress, rebatch_of=earlier["batch_uuid"],
                               **_reading(options))
    report.notes += left_as_stored(options.get("columns") or {}, report.columns,
                                   earlier["batch_uuid"])
    return report


def left_as_stored(before: dict[str, str], now: dict[str, str], batch: str) -> list[str]:
    """A note for each field the earlier batch filled that the new mapping leaves unfilled:
    an import never blanks a field its survey lacks, so those values stay as stored.

    >>> left_as_stored({"材质": "material", "编号": "source_id"}, {"编号": "source_id"}, "3f2a9c1e-…")
    ['material: filled from column 材质 by batch 3f2a9c1e, not mapped now: left as stored']
    """
    filled = set(now.values())
    return [f"{field}: filled from column {column} by batch {batch[:8]}, not mapped now: "
            "left as stored" for column, field in before.items() if field not in filled]
