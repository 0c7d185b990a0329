"""CSRF protection: one random token per session, sent back with every state-changing form
(field ``csrf_token``) or script request (header ``X-CSRF-Token``).

Requests authenticated by an ``Authorization: Bearer`` token are exempt: a browser never
adds that header by itself, so another site cannot forge it.

>>> from flask import Flask
>>> app = Flask(__name__); app.secret_key = "k"
>>> with app.test_request_context():
...     len(csrf_token()) > 30
True
"""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

from registry.errors import Forbidden

SESSION_KEY = "csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def csrf_token() -> str:
    """This session's token, made on first use (templates call it for their forms)."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def check_csrf() -> None:
    """Forbidden unless the request carries this session's token."""
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    expected = session.get(SESSION_KEY)
    if not expected or not hmac.compare_digest(str(sent), expected):
        raise Forbidden("the form's security token (CSRF) is missing or stale: "
                        "reload the page and try again")


def renew() -> None:
    """A new token at login, so one seen before logging in is worth nothing after."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)
