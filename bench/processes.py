"""Peer commands run as processes, timed from start to exit with their own peak memory.

>>> seconds, peak = run_measured(["true"])
>>> seconds < 5 and peak > 0
True
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from typing import Sequence


def run_measured(command: Sequence[str], env: dict[str, str] | None = None
                 ) -> tuple[float, int]:
    """Run `command` to completion; its wall seconds (start-up included) and peak RSS in bytes.

    `os.wait4` reports the child's own resource usage, so a peer's peak memory is its alone.
    """
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors,
                                 env=None if env is None else {**os.environ, **env})
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            said = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{command[0]} failed ({child.returncode}): {said}")
    return seconds, usage.ru_maxrss * 1024
