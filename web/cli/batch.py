"""`infracensus batch`: the import batches, their archived files, and re-mapping one.

    infracensus batch list -r city.gpkg
    infracensus batch show -r city.gpkg 3f2a9c1e
    infracensus batch remap -r city.gpkg 3f2a9c1e --mapping contractor-a.toml

A batch is named by its UUID or a unique start of it (``list`` shows eight characters).
Times are shown in Beijing time (Asia/Shanghai), as stored they are UTC.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from registry.change import parse_moment
from web.cli.import_cmd import WriteProgress
from web.cli.options import clear_errors, default_who, open_registry, registry_option, who_option

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The counts `batch list` shows, in order, with their Chinese labels.
LISTED_COUNTS = (("accepted", "入库"), ("updated", "更新"), ("unchanged", "未变"),
                 ("rejected", "拒收"), ("duplicates", "疑似重复"))


def local_time(text: str | None) -> str:
    """A stored UTC moment as Beijing time, to the minute.

    >>> local_time("2026-03-01T00:00:00.000Z")
    '2026-03-01 08:00'
    """
    if not text:
        return "-"
    return parse_moment(text).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@click.group()
def batch() -> None:
    """Import batches (导入批次): list, show, re-map from the archived file."""


@batch.command("list")
@registry_option
@clear_errors
def list_batches(registry_url: str) -> None:
    """Every import batch, newest first: when, who, file, layer and counts."""
    reg = open_registry(registry_url)
    for record in reg.batches():
        counts = record.get("counts") or {}
        shown = " ".join(f"{zh} {counts.get(name, 0)}" for name, zh in LISTED_COUNTS)
        click.echo(f"{record['batch_uuid'][:8]}  {local_time(record['started_at'])}  "
                   f"{record['who']}  {record['layer']}  {record['file_name']}  {shown}"
                   f"{_rebatch_note(record)}")


def _rebatch_note(record: dict[str, Any]) -> str:
    earlier = (record.get("options") or {}).get("rebatch_of")
    return f"  (re-mapped from {earlier[:8]})" if earlier else ""


@batch.command("show")
@registry_option
@click.argument("batch_id", metavar="BATCH")
@clear_errors
def show_batch(registry_url: str, batch_id: str) -> None:
    """One batch: its file and checksum, whether the file is archived, how it was read."""
    reg = open_registry(registry_url)
    record = reg.batch(batch_id)
    archived = reg.archived_file(record["checksum"]) if record["checksum"] else None
    lines = [f"批次 Batch: {record['batch_uuid']}",
             f"文件 File: {record['file_name']} → {record['layer']}",
             f"校验和 Checksum: sha256 {record['checksum'] or '-'}",
             f"存档 Archived: " + (f"yes, {archived['size']:,} bytes ({archived['packing']})"
                                  if archived else "no (imported before files were archived)"),
             f"导入人 Who: {record['who']}",
             f"时间 When: {local_time(record['started_at'])} → "
             f"{local_time(record['finished_at'])} (北京时间)",
             f"编码 Encoding: {record['encoding'] or '-'} {record['encoding_note'] or ''}".rstrip(),
             f"坐标系 CRS: {record['crs'] or '-'} {record['crs_note'] or ''}".rstrip()]
    lines += [f"{name}: {value}" for name, value in (record.get("counts") or {}).items()]
    lines += [f"option {name}: {value}" for name, value in (record.get("options") or {}).items()
              if value not in (None, False)]
    click.echo("\n".join(lines))


@batch.command("remap")
@registry_option
@click.argument("batch_id", metavar="BATCH")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The new mapping file (default: the importer's own matching).")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--accept-duplicates", is_flag=True,
              help="Insert probable duplicates instead of holding them.")
@who_option
@clear_errors
def remap(registry_url: str, batch_id: str, mapping: Path | None, dry_run: bool,
          accept_duplicates: bool, who: str | None) -> None:
    """Import BATCH's archived file again with a new mapping, as a new batch that updates
    the same assets (by source id). Same as `infracensus import --rebatch BATCH`."""
    from importers.rebatch import rebatch

    reg = open_registry(registry_url)
    with WriteProgress() as progress:
        report = rebatch(reg, batch_id, who=default_who(who), mapping=mapping,
                         dry_run=dry_run, accept_duplicates=accept_duplicates,
                         progress=progress)
    click.echo(report.summary())
