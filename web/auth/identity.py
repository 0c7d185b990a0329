"""Who is asking: the user behind a Bearer token or a session cookie, looked up per request.

The cookie holds a session id; the auth store's session record (`registry.login_sessions`)
names the user and the account's ``epoch`` at login. Logging out deletes the record;
disabling the user, changing their password or roles deletes all of theirs and moves the
epoch — either ends the session at its next request. Nothing is looked up for a request
that carries neither credential.

>>> from flask import Flask
>>> with Flask(__name__).test_request_context():
...     current_user() is None
True
"""
from __future__ import annotations

from flask import g, request, session

from registry import login_sessions
from registry.errors import NotFound
from registry.users import User, Users
from web.app import current_registry

BEARER = "bearer "


def identify() -> tuple[User | None, str]:
    """(user, how they proved it: ``"token"``, ``"session"`` or ``""``)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith(BEARER):
        return Users(current_registry()).from_token(header[len(BEARER):].strip()), "token"
    sid = session.get("sid")
    if not sid:
        return None, ""
    return _session_user(str(sid)), "session"


def _session_user(sid: str) -> User | None:
    users = Users(current_registry())
    found = login_sessions.find(users.store, sid)
    if found is None:
        return None
    try:
        user = users.get(found.user)
    except NotFound:
        return None
    return None if user.disabled or user.epoch != found.epoch else user


def current_user() -> User | None:
    """The user of this request (None: anonymous), as the auth hook identified them."""
    return g.get("user")


def who() -> str:
    """The name to record on changes: the user's, or ``anonymous`` on an open server."""
    user = current_user()
    return user.name if user else "anonymous"


def client_address() -> str | None:
    """The caller's address (behind a proxy, wrap the app in werkzeug's ProxyFix)."""
    return request.remote_addr
