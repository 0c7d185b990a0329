"""The storage backends the suite runs on, and marks for the few tests tied to one of them.

A test that asks for the `backend` fixture (or `new_location`, `registry_url`,
`module_location`, see tests/conftest.py) runs once per backend; one about what only one
backend has — a SQLite file killed mid-write, photo files beside a GeoPackage — says so:

>>> @only_gpkg                                            # doctest: +SKIP
... def test_photos_are_files_beside_the_geopackage(cases): ...
"""
from __future__ import annotations

import pytest

GPKG = "gpkg"
POSTGIS = pytest.param("postgis", marks=pytest.mark.postgis)
BACKENDS = [GPKG, POSTGIS]

#: The test runs on the GeoPackage backend only.
only_gpkg = pytest.mark.parametrize("backend", [GPKG], indirect=True)
#: The test runs on the PostGIS backend only (and, like every PostGIS test, must run in CI).
only_postgis = pytest.mark.parametrize("backend", [POSTGIS], indirect=True)
