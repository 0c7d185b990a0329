"""Server-side login sessions: the cookie carries a random session id, the auth store keeps
only its digest with the user, the account's epoch and the expiry. Logging out deletes the
record; a password change, new roles or disabling the account delete all of the user's, so a
stolen cookie stops working at once.

>>> import tempfile
>>> from registry.auth_store import SqliteAuthStore
>>> store = SqliteAuthStore(tempfile.mkdtemp() + "/a.sqlite")
>>> sid = start(store, "wang", epoch=0)
>>> find(store, sid).user
'wang'
>>> end(store, sid); find(store, sid) is None
True
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from registry.auth_store import AuthStore
from registry.change import iso, utc_now

SESSION = "session"
LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class LoginSession:
    user: str
    epoch: int
    expires_at: str


def start(store: AuthStore, user: str, *, epoch: int, address: str | None = None,
          now: datetime | None = None, lifetime: timedelta = LIFETIME) -> str:
    """A new session for `user`; returns its id (for the cookie; stored only as a digest)."""
    now = now or utc_now()
    sid = secrets.token_urlsafe(32)
    body = {"epoch": epoch, "address": address, "started_at": iso(now),
            "expires_at": iso(now + lifetime)}
    with store.transaction():
        _forget_expired(store, user, now)
        store.save(SESSION, _digest(sid), {"user": user, **body}, owner=user, expected_version=0)
    return sid


def find(store: AuthStore, sid: str, now: datetime | None = None) -> LoginSession | None:
    """The live session of this id; None if it ended, expired or never existed."""
    found = store.get(SESSION, _digest(sid)) if sid else None
    if found is None or found.body["expires_at"] <= iso(now or utc_now()):
        return None
    return LoginSession(found.body["user"], found.body["epoch"], found.body["expires_at"])


def end(store: AuthStore, sid: str) -> None:
    """Log this session out (its cookie is worthless from now on)."""
    store.delete(SESSION, _digest(sid))


def end_all(store: AuthStore, user: str) -> None:
    """End every session of `user` (password changed, roles changed, account disabled)."""
    store.delete_owned(SESSION, user)


def _forget_expired(store: AuthStore, user: str, now: datetime) -> None:
    for record in store.all(SESSION, owner=user):
        if record.body["expires_at"] <= iso(now):
            store.delete(SESSION, record.key)


def _digest(sid: str) -> str:
    # The store is a secret too, but a copy of it must still not yield a usable cookie.
    return hashlib.sha256(sid.encode()).hexdigest()
