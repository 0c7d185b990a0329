"""The Flask application factory and the registry each request works on.

Nothing here runs at import time: `create_app` reads the configuration it is given (or the
``INFRACENSUS_*`` environment variables) and the registry is opened on the first request
that needs it, once per application.

>>> app = create_app({"REGISTRY": "city.gpkg"})
>>> app.config["REGISTRY"]
'city.gpkg'
"""
from __future__ import annotations

import importlib
import threading
from typing import Any, Callable, Mapping

from flask import Blueprint, Flask, current_app

import registry
from registry.errors import StorageError
from web.errors import register_error_handlers
from web.headers import add_security_headers

#: Where each blueprint factory lives, as "module:function". Every blueprint of the site is
#: listed here; they are imported when an app is built, so the modules may import this one.
BLUEPRINTS: list[str] = [
    "web.auth:create_blueprint", "web.auth.admin:create_blueprint", "web.uploads:create_blueprint",
    "web.ogcapi:create_blueprint",
    "web.tiles.blueprint:create_blueprint",
    "web.map.page:create_blueprint",
    "web.map.assets:create_blueprint",
    "web.map.selection:create_blueprint",
    "web.cases:create_blueprint",
    "web.plans.api:create_blueprint", "web.plans.page:create_blueprint",
    "web.gas.page:create_blueprint",
    "web.review:create_blueprint",
]

REGISTRY_KEY = "infracensus.registry"
_opening = threading.Lock()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application for the registry named by ``config["REGISTRY"]``.

    >>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/ogcapi/conformance")
    ('ogcapi.conformance', {})
    """
    app = Flask(__name__)
    app.config.from_mapping(REGISTRY=None)
    app.config.from_prefixed_env("INFRACENSUS")
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese labels stay readable
    register_error_handlers(app)
    app.after_request(add_security_headers)  # every response, errors and static files too
    app.teardown_appcontext(_release_registry)
    for factory in BLUEPRINTS:
        app.register_blueprint(_load(factory)())
    return app


def _release_registry(_: BaseException | None) -> None:
    """A threaded server starts a thread per request: let none keep a connection open."""
    found = current_app.extensions.get(REGISTRY_KEY)
    if found is not None:
        found.release()


def _load(dotted: str) -> Callable[[], Blueprint]:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


def current_registry() -> registry.Registry:
    """The registry of the application handling this request, opened on first use.

    >>> with create_app({"REGISTRY": "city.gpkg"}).app_context():
    ...     current_registry().settings.county  # doctest: +SKIP
    '130102'
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(REGISTRY_KEY)
    if found is None:
        with _opening:  # two first requests at once must not open it twice
            found = app.extensions.get(REGISTRY_KEY)
            if found is None:
                found = app.extensions[REGISTRY_KEY] = _open(app)
    return found


def _open(app: Flask) -> registry.Registry:
    where = app.config.get("REGISTRY")
    if not where:
        raise StorageError("no registry configured: set REGISTRY "
                           "(or INFRACENSUS_REGISTRY) to a GeoPackage or URL")
    return registry.open(where)
