"""The results table: each job's figure beside its peers', the ratio, the target and, where
Infracensus is more than 1.5× slower than its first peer, what remains and why.

Printed as Markdown and written, with the machine, versions and date, to `bench/results.md`.

>>> row = Row("box", Figure("reg.query", Timings([0.002])), [Figure("STRtree", Timings([0.001]))],
...           target="p50 ≤ 5 ms", met=True)
>>> print(table([row]).splitlines()[2])
| box | reg.query: p50 2.00 · p95 2.00 ms | STRtree: p50 1.00 · p95 1.00 ms | ×2.0 STRtree | p50 ≤ 5 ms ✓ | not profiled yet |
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench.machine import machine, versions
from bench.remains import SLOWER, remains
from bench.timing import Timings

_HEADER = ("| job | Infracensus | peers | ratio (Infracensus ÷ peer, p50) | target "
           f"| what remains where > {SLOWER}× the first peer, and why |\n"
           "|---|---|---|---|---|---|")


@dataclass
class Figure:
    """One method's timings; with `items` set it reads as a throughput (items per second)."""

    label: str
    timings: Timings
    items: int | None = None

    def text(self) -> str:
        t = self.timings
        if self.items is not None:
            return (f"{self.label}: {_rate(self.items / t.p50)} "
                    f"(p95 run {_rate(self.items / t.p95)}, {t.p50:.1f} s)")
        return f"{self.label}: p50 {_ms(t.p50)} · p95 {_ms(t.p95)} ms"


@dataclass
class Row:
    """One job of the suite: our figure, its peers in the same run, and the target."""

    job: str
    ours: Figure
    peers: list[Figure]
    target: str = "—"
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        ratios = [f"×{self.ours.timings.p50 / p.timings.p50:.1f} {p.label}" for p in self.peers]
        mark = "" if self.met is None else (" ✓" if self.met else " ✗ missed")
        return [self.job, self.ours.text(), "; ".join(p.text() for p in self.peers),
                "; ".join(ratios), self.target + mark, self.remains()]

    def remains(self) -> str:
        """Why we are slower than the first peer, when we are by more than `SLOWER`×."""
        if not self.peers or not self.peers[0].timings.samples:
            return ""
        slower = self.ours.timings.p50 / self.peers[0].timings.p50 > SLOWER
        return remains(self.job) if slower else ""


def table(rows: list[Row]) -> str:
    """The Markdown table of `rows`."""
    return "\n".join([_HEADER] + ["| " + " | ".join(r.cells()) + " |" for r in rows])


def document(rows: list[Row], command: str, setup: list[str]) -> str:
    """The whole results file: when, on what, how, the table and its notes."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    host = machine()
    lines = ["# Benchmarks", "",
             "Every figure beside its peers, measured in the same run, interleaved; p50 and "
             "p95 over repeated runs. The machines are shared and noisy: read the ratios. "
             "Written by `make bench` (`python -m bench`); do not edit by hand.", "",
             f"Run {now} with `{command}`.", "",
             f"Machine: {host['cpu']}, {host['cores']} cores, {host['memory']}.", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".", "",
             table(rows), ""]
    notes = setup + [note for row in rows for note in row.notes]
    return "\n".join(lines + ["## Notes", ""] + [f"- {note}" for note in notes]) + "\n"


def write(rows: list[Row], command: str, setup: list[str], path: Path,
          readme: Path | None = None) -> None:
    """Print the table and notes, write the results file and, given `readme`, its table."""
    text = document(rows, command, setup)
    print(text[text.index("| job"):])
    path.write_text(text, encoding="utf-8")
    if readme is not None:
        readme.write_text(with_table(readme.read_text(encoding="utf-8"), table(rows)),
                          encoding="utf-8")


#: The README's copy of the table sits between these two lines.
START, END = "<!-- bench table: written by python -m bench -->", "<!-- end of bench table -->"


def with_table(text: str, new: str) -> str:
    """`text` with what stands between `START` and `END` replaced by `new`.

    >>> lines = with_table("\\n".join(["a", START, "old", END, "b"]), "new").splitlines()
    >>> lines[0], lines[2], lines[4]
    ('a', 'new', 'b')
    """
    head, _, rest = text.partition(START + "\n")
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{new}\n{END}{tail}" if rest else text


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}" if seconds < 0.1 else f"{seconds * 1000:,.0f}"


def _rate(per_second: float) -> str:
    return f"{per_second / 1000:,.0f} k/s"
