"""Batches of per-asset work that keep the meaning of doing it one item at a time.

A batch reads every asset it touches once and writes them together; that is only the same
as one item after another while no asset comes twice. An asset that does starts a new run,
which reads what the runs before it wrote.

>>> distinct_runs(["a", "b", "a", "c"], key=str)
[['a', 'b'], ['a', 'c']]
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, TypeVar

T = TypeVar("T")


def distinct_runs(items: Iterable[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """`items` in order, cut into consecutive runs in which no key repeats."""
    runs: list[list[T]] = []
    seen: set[Hashable] = set()
    for item in items:
        k = key(item)
        if not runs or k in seen:
            runs.append([])
            seen = set()
        runs[-1].append(item)
        seen.add(k)
    return runs
