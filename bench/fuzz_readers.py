"""Coverage-guided fuzzing of the survey readers with atheris (libFuzzer for Python).

    .venv/bin/python -m bench.fuzz_readers -max_total_time=60      # bounded run
    .venv/bin/python -m bench.fuzz_readers -runs=5000 corpus/        # keep a corpus

Each input's first byte picks the file type (GeoJSON, CSV, KML, GML, zip, GeoPackage ...);
the rest is the file. `read_survey` must answer with a reading or a RegistryError (a clear
message); any other exception, a hang or a crash inside GDAL is a finding, and libFuzzer
writes the input that caused it to ``crash-*`` in the working folder.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["importers"]):
    from importers.sources import read_survey

from registry.errors import RegistryError

SUFFIXES = (".geojson", ".csv", ".kml", ".gml", ".zip", ".gpkg", ".json", ".tsv", ".fgb")
#: Seeds: small valid files of each type, so mutations start from something readable.
SEEDS = {
    ".geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                b'{"id":"A1","depth":"1.2m"},"geometry":{"type":"Point","coordinates":[114.5,38.0]}}]}',
    ".csv": "编号,经度,纬度,井深\nA1,114.5,38.0,1.2米\n".encode(),
    ".kml": b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark>'
            b"<name>A1</name><Point><coordinates>114.5,38.0</coordinates></Point></Placemark></kml>",
}


def fuzz_one(data: bytes) -> None:
    """Read `data` as a survey file of the type its first byte chooses."""
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / f"survey{suffix}"
        path.write_bytes(data[1:])
        try:
            read_survey(path)
        except RegistryError:
            pass  # refused with a message: the reader did its job


def seed_corpus(folder: Path) -> None:
    """Write the seeds (with their type byte) into a corpus folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, body in SEEDS.items():
        (folder / suffix.strip(".")).write_bytes(bytes([SUFFIXES.index(suffix)]) + body)


def main(argv: list[str]) -> None:
    corpus = Path(tempfile.mkdtemp(prefix="fuzz-corpus-"))
    seed_corpus(corpus)
    atheris.Setup([argv[0], *argv[1:], str(corpus)], fuzz_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
