"""Session cookies: HttpOnly, SameSite=Lax, Secure whenever the request came over https,
signed with ``SECRET_KEY`` or, if none is configured, a key kept in the registry's auth store
(never in the registry itself) so that every worker process of one deployment shares it.
The cookie carries only a session id and the CSRF token: who is logged in is looked up in
the auth store per request (`web.auth.identity`), so logging out ends a session for good.

>>> from flask import Flask
>>> app = Flask(__name__)
>>> configure(app)
>>> app.config["SESSION_COOKIE_SAMESITE"], app.config["SESSION_COOKIE_HTTPONLY"]
('Lax', True)
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, request
from flask.sansio.app import App
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from registry import auth_store
from registry.errors import Conflict, RegistryError
from web.app import current_registry
from web.auth import scope

SECRET_KIND, SECRET_KEY = "secret", "session"
DEFAULTS = {
    # Fail closed: a login is needed unless the operator opens a named part (PUBLIC_LAYERS)
    # or, for development only, turns logins off with AUTH_REQUIRED=False.
    "AUTH_REQUIRED": True, "PUBLIC_READ": False, "PUBLIC_LAYERS": [], "LAYER_READ": {},
    "SESSION_COOKIE_NAME": "infracensus_session", "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax", "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    # Surveys are large, but a request body beyond this is refused before it is read.
    "MAX_CONTENT_LENGTH": 256 << 20,
}


class RegistrySessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure over https and keyed from the registry."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key and app.config.get("REGISTRY"):
            app.secret_key = _registry_secret()
        return super().get_signing_serializer(app)


def _registry_secret() -> str | None:
    """The deployment's session key, made by whichever process asks first (read first, so a
    server on a read replica uses the primary's key)."""
    try:
        store = auth_store.for_registry(current_registry())
        found = store.get(SECRET_KIND, SECRET_KEY)
        if found is None:
            try:
                store.save(SECRET_KIND, SECRET_KEY, {"key": secrets.token_hex(32)},
                           expected_version=0)
            except Conflict:
                pass  # another process made it first: use theirs
            found = store.get(SECRET_KIND, SECRET_KEY)
        return None if found is None else found.body["key"]
    except RegistryError:
        return None  # no registry to keep a key in: sessions stay off, logins fail clearly


def configure(app: App) -> None:
    """Set the auth defaults where the configuration left Flask's own, check the scope
    settings, and the sessions."""
    for key, value in DEFAULTS.items():
        if app.config.get(key) == app.default_config.get(key):
            app.config[key] = value
    scope.check_config(app.config)
    if app.config["AUTH_REQUIRED"] is False:
        app.logger.warning("AUTH_REQUIRED is False: anyone reaching this server may read, "
                           "import and change everything without logging in. Development "
                           "only; never serve a registry like this.")
    app.session_interface = RegistrySessions()  # type: ignore[attr-defined]  # a Flask app
