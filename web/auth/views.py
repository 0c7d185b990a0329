"""The login page (Chinese by default, ``?lang=en``), logging out, and ``/auth/session``
for scripts in the browser that need the CSRF token and the user's permissions.

A form login answers with a redirect (or the page again, with the reason); a JSON login
(``{"user": ..., "password": ...}``) answers with the session's JSON. After too many failed
attempts either answers 429 with ``Retry-After`` — the same for a name that exists and one
that does not. The page to return to (``next``) is only ever a path on this site.
"""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, redirect, render_template, request, session
from werkzeug.wrappers import Response as BaseResponse

from registry import audit, login_sessions
from registry.errors import InvalidInput, Unauthorized
from registry.users import ROLE_LABELS, THROTTLED, Login, User, Users
from web.app import current_registry
from web.auth import csrf, identity
from web.errors import problem

TEXT = {
    "zh": {"title": "登录 · 城市部件普查", "heading": "城市部件普查与资产登记", "user": "用户名",
           "password": "密码", "submit": "登录", "other": "English", "other_lang": "en"},
    "en": {"title": "Log in · Infrastructure census", "heading": "Infrastructure census",
           "user": "User name", "password": "Password", "submit": "Log in", "other": "中文",
           "other_lang": "zh"},
}
REASONS_ZH = {"wrong user name or password": "用户名或密码错误",
              "this account is disabled": "该账号已停用",
              THROTTLED: "登录失败次数过多，请稍后再试"}


def login_page() -> str:
    return _page()


def _page(error: str = "") -> str:
    lang = "en" if request.args.get("lang") == "en" else "zh"
    return render_template("auth/login.html", text=TEXT[lang], lang=lang, error=error,
                           next=_safe_next(request.args.get("next")))


def log_in() -> BaseResponse | tuple[str, int]:
    """Check the form (or JSON) and start a session."""
    sent = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(sent, Mapping):
        raise InvalidInput("send the user name and password as a form or a JSON object")
    name, password = str(sent.get("user", ""))[:100], str(sent.get("password", ""))
    users = Users(current_registry())
    login = users.authenticate(name, password, address=identity.client_address())
    if login.user is None:
        return _refused(login)
    _start_session(users, login.user)
    if request.is_json:
        return jsonify(_session_json(login.user))
    return redirect(_safe_next(request.form.get("next")))


def _refused(login: Login) -> BaseResponse | tuple[str, int]:
    """401, or 429 with Retry-After when the name or address must wait."""
    status = 429 if login.retry_after_s else 401
    if request.is_json and status == 401:
        raise Unauthorized(login.reason)
    if request.is_json:
        response = problem(429, "Too many requests",
                           f"{login.reason} ({login.retry_after_s} s)", "urn:infracensus:throttled")
    else:
        response = current_app.make_response((_page(_translated(login.reason)), status))
    if login.retry_after_s:
        response.headers["Retry-After"] = str(login.retry_after_s)
    return response


def _start_session(users: Users, user: User) -> None:
    """A new server-side session; its id is all the cookie holds besides the CSRF token."""
    session.clear()  # nothing from before the login survives it
    session.permanent = True
    session["sid"] = login_sessions.start(
        users.store, user.name, epoch=user.epoch, address=identity.client_address(),
        lifetime=current_app.permanent_session_lifetime)
    csrf.renew()


def log_out() -> BaseResponse:
    """End the session here and in the auth store: the cookie is worthless afterwards."""
    user = identity.current_user()
    if session.get("sid"):
        login_sessions.end(Users(current_registry()).store, str(session["sid"]))
    if user is not None:
        audit.record(current_registry(), "logout", user.name, target=f"user:{user.name}",
                     address=identity.client_address())
    session.clear()
    return redirect("/auth/login")


def session_info() -> Response:
    """``{"user", "display_name", "roles", "permissions", "csrf_token"}`` (user null if none)."""
    return jsonify(_session_json(identity.current_user()))


def _session_json(user: User | None) -> dict[str, Any]:
    if user is None:
        return {"user": None, "csrf_token": csrf.csrf_token()}
    return {"user": user.name, "display_name": user.display_name, "roles": list(user.roles),
            "role_labels": [ROLE_LABELS[r] for r in user.roles],
            "permissions": sorted(user.permissions), "department": user.department,
            "grids": list(user.grids), "csrf_token": csrf.csrf_token()}


def _safe_next(target: str | None) -> str:
    """A path on this site, else ``/``: an open redirect would make the login page a phishing
    aid. Browsers drop tabs and newlines and read ``\\`` as ``/``, so ``/%09/evil`` and
    ``/\\evil`` are other sites to them.

    >>> [_safe_next(t) for t in ("/map?layer=drains", "/\\t/evil.example/", "//evil",
    ...                          "\\\\evil", "https://evil", None)]
    ['/map?layer=drains', '/', '/', '/', '/', '/']
    """
    if not target or "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _translated(reason: str) -> str:
    if request.args.get("lang") == "en":
        return reason
    return REASONS_ZH.get(reason, reason)
