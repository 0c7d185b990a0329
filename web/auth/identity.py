"""Who is asking: the user behind a Bearer token or a session cookie, looked up per request.

A session holds the user's name and the account's ``epoch`` at login; disabling the user,
changing their password or roles moves the epoch, which ends the session at its next
request. Nothing is looked up for a request that carries neither credential.

>>> from flask import Flask
>>> with Flask(__name__).test_request_context():
...     current_user() is None
True
"""
from __future__ import annotations

from flask import g, request, session

from registry.errors import NotFound
from registry.users import User, Users
from web.app import current_registry

BEARER = "bearer "


def identify() -> tuple[User | None, str]:
    """(user, how they proved it: ``"token"``, ``"session"`` or ``""``)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith(BEARER):
        return Users(current_registry()).from_token(header[len(BEARER):].strip()), "token"
    name = session.get("user")
    if not name:
        return None, ""
    return _session_user(name, session.get("epoch")), "session"


def _session_user(name: str, epoch: int | None) -> User | None:
    try:
        user = Users(current_registry()).get(name)
    except NotFound:
        return None
    return None if user.disabled or user.epoch != epoch else user


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
