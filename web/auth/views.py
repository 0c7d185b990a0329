"""The login page (Chinese by default, ``?lang=en``), logging out, and ``/auth/session``
for scripts in the browser that need the CSRF token and the user's permissions.

A form login answers with a redirect (or the page again, with the reason); a JSON login
(``{"user": ..., "password": ...}``) answers with the session's JSON.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import Response, jsonify, redirect, render_template, request, session
from werkzeug.wrappers import Response as BaseResponse

from registry import audit
from registry.errors import InvalidInput
from registry.users import ROLE_LABELS, User, Users
from web.app import current_registry
from web.auth import csrf, identity
from registry.errors import Unauthorized

TEXT = {
    "zh": {"title": "登录 · 城市部件普查", "heading": "城市部件普查与资产登记", "user": "用户名",
           "password": "密码", "submit": "登录", "other": "English", "other_lang": "en"},
    "en": {"title": "Log in · Infrastructure census", "heading": "Infrastructure census",
           "user": "User name", "password": "Password", "submit": "Log in", "other": "中文",
           "other_lang": "zh"},
}
REASONS_ZH = {"wrong user name or password": "用户名或密码错误",
              "this account is disabled": "该账号已停用"}


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
    login = Users(current_registry()).authenticate(name, password,
                                                   address=identity.client_address())
    if login.user is None:
        if request.is_json:
            raise Unauthorized(login.reason)
        return _page(_translated(login.reason)), 401
    _start_session(login.user)
    if request.is_json:
        return jsonify(_session_json(login.user))
    return redirect(_safe_next(request.form.get("next")) or "/")


def _start_session(user: User) -> None:
    session.clear()  # nothing from before the login survives it
    session.permanent = True
    session["user"], session["epoch"] = user.name, user.epoch
    csrf.renew()


def log_out() -> BaseResponse:
    user = identity.current_user()
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
    """Only a path on this site: an open redirect would make the login page a phishing aid."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return ""
    return target


def _translated(reason: str) -> str:
    if request.args.get("lang") == "en":
        return reason
    if reason.startswith("too many failed logins"):
        return "登录失败次数过多，账号已暂时锁定。" + reason
    return REASONS_ZH.get(reason, reason)
