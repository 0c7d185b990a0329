"""Running the benchmark suite at a tiny scale, as the smoke tests do: one `python -m bench`
process into a fresh cache, and every expected row in both the printed and the written table."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class BenchRun:
    """What one run printed and what it wrote to its results file."""

    printed: str
    written: str

    def has_rows(self, rows: Iterable[str]) -> None:
        for row in rows:
            assert row in self.printed, f"{row!r} missing from the printed table"
            assert row in self.written, f"{row!r} missing from the results file"


def run_bench(tmp_path: Path, *args: str, timeout: int = 600, **env: str) -> BenchRun:
    """`python -m bench ARGS` with its cache and results file under `tmp_path`."""
    out = tmp_path / "results.md"
    run = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--cache", str(tmp_path / "cache"),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **env})
    assert run.returncode == 0, run.stderr
    return BenchRun(run.stdout, out.read_text(encoding="utf-8"))
