"""Peer commands run as processes, timed from start to exit with their own peak memory.

Linux carries a process's peak RSS across fork and exec: a command started straight from the
bench, which holds the city in memory, would report the bench's peak as its own. So each
command is started by a small launcher (`LAUNCHER`, Python without site packages), whose
child's peak is the command's; the launcher times the child and writes both figures to a file.

>>> seconds, peak = run_measured(["true"])
>>> seconds < 5 and 0 < peak < 200 * 2 ** 20
True
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

#: argv: the report file, then the command. Exits as the command did.
LAUNCHER = """import os, sys, time
start = time.perf_counter()
child = os.fork()
if child == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(child, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{time.perf_counter() - start} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command: Sequence[str], env: dict[str, str] | None = None
                 ) -> tuple[float, int]:
    """Run `command` to completion; its wall seconds (start-up included) and peak RSS in bytes."""
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures"
        done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(figures), *command],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=None if env is None else {**os.environ, **env})
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {said}")
        seconds, kib = figures.read_text().split()
    return float(seconds), int(kib) * 1024


def own_peak_rss() -> int:
    """This process's own peak resident set in bytes: the high-water mark of its memory since
    it started (``VmHWM``), not the peak it inherited from the process that forked it."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
