"""Copying a whole registry to a new one on any backend, then proving the copy is whole.

Every table — settings, migrations, each layer's assets (retired ones too, with their uuids,
GB/T codes, versions and timestamps), the version history with its snapshots, maintenance
events, import batches, GB/T serial counters, documents and the journal — goes through the
storage contract's canonical rows (`Storage.dump_rows` / `load_rows`) inside one destination
transaction. Afterwards both sides are read back and compared per table: row count and a
checksum over the canonical JSON of each row (sorted keys, timestamps as ISO-8601 UTC text,
geometries as WKB), summed so that row order does not matter.

The auth store (accounts, tokens, keys) is not part of the registry and is not copied
unless asked (``with_auth``): then its accounts, tokens and keys — not its sessions or
login throttles — go to the new registry's auth store.

>>> import tempfile
>>> from registry.api import create
>>> folder = tempfile.mkdtemp()
>>> create(folder + "/a.gpkg", county="130102").close()
>>> checks = copy_registry(folder + "/a.gpkg", folder + "/b.gpkg")
>>> all(c.ok for c in checks), checks[1].table, checks[1].rows
(True, 'infracensus_migrations', 5)
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from registry import auth_store
from registry.api import open as open_registry
from registry.layers import LAYERS_DIR
from registry.storage import backend_for
from registry.storage.base import Storage
from registry.storage.rows import registry_tables

#: Checksums are sums of per-row digests modulo this, so that row order does not matter.
_MODULUS = 1 << 128


@dataclass(frozen=True)
class TableCheck:
    """One table after a copy: its rows and checksum at the source, and whether the copy
    has the same."""

    table: str
    rows: int
    checksum: str
    ok: bool


class Tally:
    """Row count and order-independent checksum of a stream of canonical rows.

    >>> a, b = Tally(), Tally()
    >>> _ = list(a.counted([{"x": 1}, {"y": b"\\x01"}])); _ = list(b.counted([{"y": b"\\x01"}, {"x": 1}]))
    >>> (a.rows, a.checksum) == (b.rows, b.checksum)
    True
    """

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def counted(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The rows, unchanged, each counted and summed on its way through."""
        for row in rows:
            self.add(row)
            yield row

    def add(self, row: dict[str, Any]) -> None:
        text = orjson.dumps(row, option=orjson.OPT_SORT_KEYS, default=_hex)
        self._sum = (self._sum + int.from_bytes(hashlib.sha256(text).digest()[:16])) % _MODULUS
        self.rows += 1

    @property
    def checksum(self) -> str:
        return f"{self._sum:032x}"


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not a canonical row value")


def copy_registry(source_url: str | Path, target_url: str | Path,
                  layers_dir: str | Path = LAYERS_DIR,
                  progress: Callable[[str], None] | None = None, *,
                  with_auth: bool = False) -> list[TableCheck]:
    """Copy the registry at `source_url` into a new registry at `target_url` and verify it;
    its auth store too `with_auth`.

    StorageError if the target already holds a registry; nothing is written then, and a
    failure midway leaves no registry behind (one transaction).
    """
    opened = open_registry(source_url, layers_dir=layers_dir)  # brought up to today's schema
    source, layers = opened.storage, opened.layers
    target = backend_for(str(target_url))(str(target_url))
    try:
        try:
            tables = registry_tables(list(layers))
            with target.transaction():
                target.initialise(source.read_settings(), layers)
                copied = {table: _copy_table(source, target, table, progress)
                          for table in tables}
            checks = [_check(target, table, copied[table]) for table in tables]
        finally:
            target.close()
        if with_auth:
            copy_auth(opened, open_registry(target_url, layers_dir=layers_dir))
    finally:
        source.close()
    return checks


#: What of the auth store a copy carries: not sessions nor login throttles.
AUTH_KINDS = ("user", "api_token", "secret")


def copy_auth(source: Any, target: Any) -> int:
    """Copy accounts, tokens and keys from one registry's auth store to another's; how many."""
    theirs, ours = auth_store.for_registry(source), auth_store.for_registry(target)
    records = [r for kind in AUTH_KINDS for r in theirs.all(kind)]
    with ours.transaction():
        for record in records:
            ours.save(record.kind, record.key, record.body, owner=record.owner)
    target.close()
    return len(records)


def _copy_table(source: Storage, target: Storage, table: str,
                progress: Callable[[str], None] | None) -> Tally:
    tally = Tally()
    target.load_rows(table, tally.counted(source.dump_rows(table)))
    if progress is not None:
        progress(table)
    return tally


def _check(target: Storage, table: str, source: Tally) -> TableCheck:
    copied = Tally()
    for row in target.dump_rows(table):
        copied.add(row)
    same = (copied.rows, copied.checksum) == (source.rows, source.checksum)
    return TableCheck(table, source.rows, source.checksum, same)
