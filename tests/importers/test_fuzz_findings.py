"""Inputs the reader fuzzer (`bench/fuzz_readers.py`) found, kept as regression tests."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from importers.sources import read_survey
from registry.errors import InvalidInput

#: A GeoJSON whose "properties" key is mangled into a CSV-like mess (atheris, 2026-11-28).
MANGLED_PROPERTIES = (
    "eyJ0eXBlIjoiRmVhdHVyZUNvbGxlY3Rpb24iLCJmZWF0dXJlcyI6W3sidHlwZSI6IkZlYXR1cmUiLCJwcm9wZXJ0aWVo"
    "aGhoaLqmLOS6lea3sQpBMSwxMQAAAAA0LjWW5Y+3LCwxLjLnsbMiOnsidHlwZSI6IlBvaW50IiwiY29vcmRpbmF0LWVzIjpbMTE0LjUsMzguMF19fV19")


def test_a_mangled_geojson_record_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "survey.geojson"
    path.write_bytes(base64.b64decode(MANGLED_PROPERTIES))
    with pytest.raises(InvalidInput):
        read_survey(path)
