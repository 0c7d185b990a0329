"""Two imports of one layer at the same moment, from two real processes, serialise: the
second sees what the first committed, so two drains 0.3 m apart are held as duplicates,
exactly as when the imports run one after the other."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import registry

REPO = Path(__file__).resolve().parents[2]
#: Each process gets ready (registry open, file read), then waits for the starting signal so
#: both reach duplicate detection together.
IMPORTER = """
import json, sys, time
from pathlib import Path
import registry
from importers.pipeline import import_survey
from importers.sources import read_survey
where, survey, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
reg = registry.open(where)
read_survey(survey)  # warm the readers: the race is in conflation, not in imports of modules
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
report = import_survey(reg, survey, "drains", who="test")
print(json.dumps(report.counts()), flush=True)
reg.close()
"""
#: Two drains 0.3 m apart (at 38°N, 1e-5° of latitude is ~1.1 m).
DRAINS = {"east": "L1,114.500000,38.0400000\n", "west": "L2,114.500000,38.0400027\n"}


def survey(folder: Path, name: str) -> Path:
    path = folder / f"{name}.csv"
    path.write_text("source_id,lon,lat\n" + DRAINS[name], encoding="utf-8")
    return path


def test_concurrent_imports_see_each_others_rows(new_location: Callable[[], str],
                                                 tmp_path: Path) -> None:
    where = new_location()
    registry.create(where, county="130102").close()
    go = tmp_path / "go"
    importers = [subprocess.Popen([sys.executable, "-c", IMPORTER, where,
                                   str(survey(tmp_path, name)), str(go)], cwd=REPO,
                                  stdout=subprocess.PIPE, text=True) for name in DRAINS]
    for process in importers:
        assert process.stdout.readline().strip() == "ready"
    go.touch()
    counts = [json.loads(process.communicate(timeout=120)[0]) for process in importers]
    assert all(process.returncode == 0 for process in importers)
    assert sorted((c["accepted"], c["duplicates"]) for c in counts) == [(0, 1), (1, 0)]
    reg = registry.open(where)
    try:
        assert reg.count(layer="drains") == 1
        assert len(reg.batches()) == 2
    finally:
        reg.close()
