"""The canonical row form every backend dumps and loads (`Storage.dump_rows`/`load_rows`).

Both backends keep the same tables and columns in their own types; a row in this form is
what they agree on, so a copy between them is lossless and its checksum comparable.

>>> canonical_moment("2026-03-01T08:00:00+08:00")
'2026-03-01T00:00:00.000Z'
>>> wkb_body(bytes.fromhex("4750000100000000") + b"wkb")
b'wkb'
"""
from __future__ import annotations

from registry.change import iso, parse_moment
from registry.storage.gpkg_binary import header_length

#: Columns holding JSON documents: canonical rows carry them parsed.
JSON_COLUMNS = frozenset({"attributes", "body", "entry"})
#: Timestamp columns of the registry's own tables (feature tables: `FEATURE_MOMENTS`).
MOMENTS = {"asset_versions": ("valid_from", "valid_to"),
           "infracensus_migrations": ("applied_at",)}
FEATURE_MOMENTS = ("created_at", "updated_at", "retired_at")
#: Tables whose rows `initialise` writes and `load_rows` therefore replaces.
BOOKKEEPING = ("infracensus_settings", "infracensus_migrations")
#: A load sends rows to the database this many at a time.
CHUNK = 50_000


def registry_tables(layer_names: list[str]) -> list[str]:
    """Every table of a registry, in the order a copy loads them.

    >>> registry_tables(["drains"])[:3]
    ['infracensus_settings', 'infracensus_migrations', 'drains']
    """
    return [*BOOKKEEPING, *layer_names, "asset_versions", "maintenance_events",
            "import_batches", "survey_files", "gbt_serials", "registry_documents",
            "registry_journal"]


def canonical_moment(text: str | None) -> str | None:
    """A stored timestamp as `registry.change.iso` writes it (most already are)."""
    if text is None or (len(text) == 24 and text[10] == "T" and text[-1] == "Z"):
        return text
    return iso(parse_moment(text))


def wkb_body(blob: bytes | None) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob."""
    return None if blob is None else bytes(blob[header_length(blob):])
