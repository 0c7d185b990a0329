"""The audit trail: who did what, when, from where, with the state before and after.

Entries go to the append-only journal (kind ``audit``), whose storage refuses updates and
deletes, so nothing in the application can rewrite them. Imports already leave a batch
record (who, when, file, counts) and asset edits a version row (who, why); the trail shows
the batch records beside the journal entries so one listing answers "who changed what".

>>> import tempfile
>>> from registry import create
>>> reg = create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> record(reg, "login", "wang", target="user:wang", address="10.0.0.7")
>>> [(e["who"], e["action"], e["address"]) for e in trail(reg)]
[('wang', 'login', '10.0.0.7')]
"""
from __future__ import annotations

from typing import Any

from registry.api import Registry
from registry.change import Change

AUDIT = "audit"
#: Names typed by strangers (failed logins) are cut to this length before they are stored.
MAX_TEXT = 200


def record(reg: Registry, action: str, who: str, *, target: str = "",
           address: str | None = None, before: Any = None, after: Any = None,
           detail: dict[str, Any] | None = None) -> None:
    """Append one audit entry; `who` may be a stranger's typed name, so it is cut short."""
    entry = {"action": action, "target": target[:MAX_TEXT], "address": address,
             "before": before, "after": after, "detail": detail or {}}
    reg.append_journal(AUDIT, target[:MAX_TEXT] or action, entry,
                       Change(who=(who or "anonymous")[:MAX_TEXT]))


def trail(reg: Registry, *, who: str | None = None, action: str | None = None,
          since: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Audit entries and import batches, newest first, filtered by who, action and time.

    `since` is an ISO 8601 UTC time as stored (``2026-03-01`` works: times sort as text).
    """
    entries = reg.journal(AUDIT, who=who, since=since, latest=limit,
                          match={"action": action} if action else None)
    found = [{"at": row["at"], "who": row["who"], **row["entry"]} for row in entries]
    found += [e for e in _imports(reg)
              if (who is None or e["who"] == who) and (action is None or e["action"] == action)
              and (since is None or e["at"] >= since)]
    found.sort(key=lambda e: e["at"], reverse=True)
    return found[:limit] if limit is not None else found


def _imports(reg: Registry) -> list[dict[str, Any]]:
    return [{"at": b["started_at"], "who": b["who"], "action": "import",
             "target": f"layer:{b['layer']}", "address": None, "before": None,
             "after": b["counts"], "detail": {"file": b["file_name"], "batch": b["batch_uuid"]}}
            for b in reg.batches()]
