"""The incidents term's count: open and repeated cases on each asset (the same inlet
reported for dumping every month), plus incident events no case wrote (an outage a crew
logged, a leak found on inspection).

A case counts when it was reported within the rule book's window, and while it is open;
events count within the window when their kind is an incident kind and a case did not write
them (a closed case writes its event, which would count it twice).

>>> import tempfile, registry
>>> from registry.plans.context import Context
>>> reg = registry.create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> open_and_repeated(Context(reg, "drains", reg.query(registry.Query("drains")))).tolist()
[]
"""
from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING

import numpy as np

from registry.cases import Cases

if TYPE_CHECKING:
    from registry.plans.context import Context


def open_and_repeated(ctx: "Context") -> np.ndarray:
    """Cases plus incident events per asset of the context."""
    return case_counts(ctx) + incident_events(ctx)


def case_counts(ctx: "Context") -> np.ndarray:
    """Cases on each asset reported in the window (repeats count each time), plus its open
    cases reported before the window."""
    cases = Cases(ctx.reg)
    read = cases.all()
    recent = cases.per_asset(ctx.since.to_pydatetime().replace(tzinfo=timezone.utc), read)
    every = cases.per_asset(among=read)
    older_open = every.set_index("asset_uuid")["open"].sub(
        recent.set_index("asset_uuid")["open"], fill_value=0)
    return ctx.per_asset(recent.set_index("asset_uuid")["cases"], 0) + \
        ctx.per_asset(older_open, 0)


def incident_events(ctx: "Context") -> np.ndarray:
    """Incident events (dumping, outage, leak, repair ...) in the window not written by a case."""
    events = ctx.events
    counted = events[events["kind"].isin(ctx.book.incident_kinds) & (events["date"] >= ctx.since)
                     & (events["source"] != "case")]
    return ctx.per_asset(counted.groupby("uuid").size(), 0)
