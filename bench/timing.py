"""Wall-clock samples and their summary: median and 95th percentile.

The machines are shared and noisy, so every figure is a distribution over repeated runs and
is read beside a peer measured in the same run, interleaved with it.

>>> t = Timings([0.001, 0.002, 0.003])
>>> round(t.p50 * 1000, 1), round(t.p95 * 1000, 2)
(2.0, 2.9)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class Timings:
    """Seconds taken by each repetition of one job."""

    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return float(np.percentile(self.samples, 50))

    @property
    def p95(self) -> float:
        return float(np.percentile(self.samples, 95))

    def time(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)`, record how long it took, and return its result."""
        start = time.perf_counter()
        result = fn(*args)
        self.samples.append(time.perf_counter() - start)
        return result
