"""Moving the secrets of an older registry out of it: users, their password hashes, API
tokens and the work-package stamp key go from ``registry_documents`` to the auth store, and
are deleted from the registry (journalled as ``auth.migrate`` in the audit trail).

The session signing key is not moved but dropped: it sat in a file people copy, so a cookie
signed with it must never be accepted again (everyone logs in once more). The stamp key is
moved so that work packages already out with crews still come back; an operator who fears
the old file leaked re-issues them (README, "Security model").

>>> import tempfile, registry
>>> reg = registry.create(tempfile.mkdtemp() + "/city.gpkg", county="130102")
>>> move_secrets_out(reg)
0
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from registry import audit, auth_store
from registry.change import iso, utc_now
from registry.errors import ReadOnly

if TYPE_CHECKING:
    from registry.api import Registry

#: Document kinds that held secrets, and the secret keys that are dropped, not moved.
KINDS = ("user", "api_token", "secret")
DROPPED = {("secret", "session")}
#: A moved token that never had an expiry gets this long from the move.
MOVED_TOKEN_LIFETIME = timedelta(days=90)


def move_secrets_out(reg: "Registry") -> int:
    """Move any secrets still in the registry to its auth store; how many documents moved.
    A read replica leaves that to the primary (and reads none of them)."""
    found = [(kind, doc) for kind in KINDS for doc in reg.documents(kind)]
    if not found:
        return 0
    try:
        store = auth_store.for_registry(reg)
        for kind, doc in found:
            if (kind, doc["key"]) not in DROPPED and store.get(kind, doc["key"]) is None:
                store.save(kind, doc["key"], _moved(kind, doc["body"]), owner=_owner(kind, doc))
        # Journalled first: a crash before the delete moves them again on the next open
        # (nothing is saved twice); each delete runs on its own, so the GeoPackage can wipe
        # its WAL of them right after.
        audit.record(reg, "auth.migrate", "infracensus", target="auth-store",
                     detail={"moved_to": auth_store.location(reg.url),
                             "counts": {k: sum(1 for f, _ in found if f == k) for k in KINDS},
                             "dropped": sorted(f"{k}:{key}" for k, key in DROPPED)})
        for kind in KINDS:
            reg.storage.delete_documents(kind, [d["key"] for k, d in found if k == kind])
    except ReadOnly:
        return 0
    return len(found)


def _owner(kind: str, doc: dict[str, Any]) -> str | None:
    if kind == "user":
        return doc["key"]
    return doc["body"].get("user") if kind == "api_token" else None


def _moved(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body as the auth store keeps it: a user's lock-out fields give way to the
    throttle; a token without an expiry gets one."""
    if kind == "user":
        kept = {k: v for k, v in body.items() if k not in ("failures", "locked_until")}
        return {"addresses": [], **kept}
    if kind == "api_token" and not body.get("expires_at"):
        return {**body, "expires_at": iso(utc_now() + MOVED_TOKEN_LIFETIME)}
    return body
