"""The limits an uploaded survey is read under, from the app's configuration.

Every upload is parsed and imported in a child process (`web.uploads.child`) that cannot
use more than these; the web server's own memory never grows with the file.

======================== ============= ==========================================
config key               default       what it bounds
======================== ============= ==========================================
``UPLOAD_MEMORY_BYTES``  3 GiB         the child's address space (RLIMIT_AS)
``UPLOAD_CPU_SECONDS``   300           the child's CPU time (RLIMIT_CPU)
``UPLOAD_TIMEOUT_SECONDS`` 600         wall-clock time of one upload
``UPLOAD_UNPACKED_BYTES`` 1 GiB        what a .zip/.xlsx/.xlsm may unpack to
``UPLOAD_MAX_ROWS``      500,000       records in one upload
``UPLOAD_TMP``           <tmp>/infracensus-uploads   where uploads are unpacked
======================== ============= ==========================================

The body itself is bounded by Flask's ``MAX_CONTENT_LENGTH``.

>>> limits = UploadLimits.from_config({"UPLOAD_MAX_ROWS": 1000})
>>> limits.max_rows, limits.cpu_seconds
(1000, 300)
"""
from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from importers.archives import MAX_MEMBERS, MAX_RATIO, ZipLimits

GIB = 1 << 30


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may cost (see the module's table for the config keys)."""

    memory_bytes: int = 3 * GIB
    cpu_seconds: int = 300
    timeout_seconds: float = 600.0
    unpacked_bytes: int = GIB
    max_rows: int = 500_000
    tmp: str = str(Path(tempfile.gettempdir()) / "infracensus-uploads")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "UploadLimits":
        """The limits named ``UPLOAD_<FIELD>`` in `config`, defaults for the rest."""
        defaults = cls()
        given = {f.name: as_type(config[key], getattr(defaults, f.name), key) for f in fields(cls)
                 if (key := f"UPLOAD_{f.name.upper()}") in config}
        return cls(**given)

    @property
    def zip(self) -> ZipLimits:
        """The size rule for zip-based uploads."""
        return ZipLimits(unpacked_bytes=self.unpacked_bytes, members=MAX_MEMBERS, ratio=MAX_RATIO)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def as_type(value: Any, default: Any, key: str) -> Any:
    """A configured value as the type of its default; a clear error naming the key if not.

    >>> as_type("1000", 500_000, "UPLOAD_MAX_ROWS")
    1000
    """
    try:
        converted = type(default)(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a {type(default).__name__}, got {value!r}") from None
    if isinstance(converted, (int, float)) and converted <= 0:
        raise ValueError(f"{key} must be more than 0, got {value!r}")
    return converted


def mebibytes(size: int) -> str:
    """A byte count as people read it.

    >>> mebibytes(3 << 30)
    '3,072 MiB'
    """
    return f"{size / (1 << 20):,.0f} MiB"
