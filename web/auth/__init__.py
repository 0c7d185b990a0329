"""Authentication, roles, CSRF and the audit hook, enforced centrally for every blueprint.

One blueprint (``/auth``: login, logout, session) whose registration also installs the
app-wide hooks (`web.auth.guard`) and the session settings (`web.auth.sessions`), so the
policy table covers blueprints that know nothing of it. Login is required by default;
``PUBLIC_LAYERS`` names the layers anonymous clients may read (OGC API, tiles, style),
``LAYER_READ`` withholds layers from roles, and `web.auth.scope` holds every view to the
user's grids and department. ``AUTH_REQUIRED=False`` turns logins off, for development only.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/auth/login")
('auth.login', {})
"""
from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from web.auth import guard, sessions, views
from web.auth.csrf import csrf_token
from web.auth.identity import current_user

__all__ = ["create_blueprint", "current_user", "csrf_token"]


def create_blueprint() -> Blueprint:
    """The ``/auth`` blueprint, with the app-wide auth and audit hooks."""
    blueprint = Blueprint("auth", __name__, url_prefix="/auth")
    blueprint.record_once(_setup)
    blueprint.before_app_request(guard.authorize)
    blueprint.after_app_request(guard.record)
    blueprint.add_url_rule("/login", "login", views.login_page, methods=["GET"])
    blueprint.add_url_rule("/login", "log_in", views.log_in, methods=["POST"])
    blueprint.add_url_rule("/logout", "logout", views.log_out, methods=["POST"])
    blueprint.add_url_rule("/session", "session", views.session_info)
    return blueprint


def _setup(state: BlueprintSetupState) -> None:
    sessions.configure(state.app)
    state.app.add_template_global(csrf_token)
    state.app.add_template_global(current_user)
