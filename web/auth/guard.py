"""The two hooks every request passes: who may do this (before) and what was done (after).

Before a view runs, the caller is identified (Bearer token or session), a state-changing
request riding on the session cookie must carry the CSRF token, and the endpoint's
permission (`web.auth.policy`) is checked. Login is required unless the operator turned it
off explicitly (``AUTH_REQUIRED=False``, development only); anonymous visitors reach only
open routes (login, static files) and, when ``PUBLIC_LAYERS`` names some, the public read
routes, whose views serve those layers only (`web.auth.scope`). A browser asking for a page
without logging in is sent to the login page; anything else gets 401.
After a state-changing request, the audit trail records who, from where, what and the
outcome, refusals included.

>>> from web.app import create_app
>>> app = create_app({"REGISTRY": "city.gpkg"})
>>> app.test_client().get("/ogcapi/collections").status_code
401
"""
from __future__ import annotations

from flask import Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from registry import audit
from registry.errors import RegistryError
from web.app import current_registry
from web.auth import csrf, identity
from registry.errors import Forbidden, Unauthorized
from web.auth.policy import DENY, OPEN, READ, Requirement, permitted, requirement


def authorize() -> BaseResponse | None:
    """The ``before_request`` hook: refuse, redirect to log in, or let the request through."""
    if request.endpoint is None:
        return None  # routing already failed: a 404 or 405 follows
    need = requirement(request.endpoint, request.method)
    g.user, g.via = identity.identify()
    if need.changes_state and (g.via == "session" or request.endpoint == "auth.log_in"):
        csrf.check_csrf()
    # Only an explicit False opens the server: "", 0 or "no" from a mistyped setting do not.
    if current_app.config["AUTH_REQUIRED"] is False or _allowed_anonymously(need):
        return None
    if g.user is None:
        return _ask_to_log_in(g.via)
    if not permitted(g.user.permissions, need.permission):
        raise Forbidden(_refusal(need.permission))
    return None


def _allowed_anonymously(need: Requirement) -> bool:
    if need.permission == OPEN:
        return True
    return need.public and request.method in READ and bool(current_app.config["PUBLIC_LAYERS"])


def _ask_to_log_in(via: str) -> BaseResponse:
    if via == "token":
        raise Unauthorized("this API token is unknown, revoked or its user disabled")
    if request.method == "GET" and request.accept_mimetypes.accept_html and not (
            request.path.startswith(("/api/", "/ogcapi", "/tiles/"))):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    raise Unauthorized("log in first (POST /auth/login), or send Authorization: Bearer <token>")


def _refusal(permission: str) -> str:
    if permission == DENY:
        return "no role may change this through the web yet"
    if "|" in permission:
        either = " or ".join(repr(p) for p in permission.split("|"))
        return f"your role does not allow this (it needs the {either} permission)"
    return f"your role does not allow this (it needs the {permission!r} permission)"


def record(response: Response) -> Response:
    """The ``after_request`` hook: audit state-changing requests, refused ones included."""
    if request.endpoint is None or request.endpoint.startswith("auth."):
        return response  # logins and logouts audit themselves, with more detail
    if not requirement(request.endpoint, request.method).changes_state:
        return response
    try:
        audit.record(current_registry(), f"http.{request.method.lower()}", identity.who(),
                     target=request.path, address=identity.client_address(),
                     detail={"endpoint": request.endpoint, "status": response.status_code,
                             "via": g.get("via", "")})
    except RegistryError as exc:  # the answer stands; the failure to audit is logged loudly
        current_app.logger.error("audit entry not written: %s", exc)
    return response
