"""Storage backends behind one contract (`base.Storage`), chosen by the registry URL.

>>> backend_for("city.gpkg").__name__
'GeoPackageStorage'
"""
from __future__ import annotations

from registry.errors import InvalidInput
from registry.storage.base import Storage


def backend_for(url: str) -> type[Storage]:
    """The storage class for a registry URL: a ``.gpkg`` path or ``postgresql://...``."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from registry.storage.postgis import PostGISStorage
        return PostGISStorage
    if text.endswith(".gpkg"):
        from registry.storage.gpkg import GeoPackageStorage
        return GeoPackageStorage
    raise InvalidInput(f"registry {text!r}: expected a .gpkg file or a postgresql:// URL")
