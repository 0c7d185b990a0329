"""The gas network and scope of the current registry, built once per change and shared.

Building the network and judging the scope of ~2,000 mains takes about a second, so the web
keeps the last answer and builds again only when an asset changed (the registry's change
stamp) or a gas document did (line valves, buildings, programmes).

>>> from web.app import create_app
>>> with create_app({"REGISTRY": "city.gpkg"}).app_context():  # doctest: +SKIP
...     network().summary()["km"]
112.256
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from flask import current_app

from registry import Registry
from registry.gas.network import GasNetwork, build_network, registry_stamp
from registry.gas.scope import Scope, renovation_scope
from web.app import current_registry

CACHE_KEY = "infracensus.gas"
_building = threading.Lock()


def network() -> GasNetwork:
    """The current registry's gas network."""
    return _cached("network", build_network)


def scope() -> Scope:
    """The current registry's renovation scope (as of this year)."""
    return _cached("scope", renovation_scope)


def _cached(name: str, build: Callable[[Registry], Any]) -> Any:
    reg = current_registry()
    key = registry_stamp(reg)
    store = current_app.extensions.setdefault(CACHE_KEY, {})
    with _building:  # two requests at once build it once
        if store.get(name, (None, None))[0] != key:
            store[name] = (key, build(reg))
        return store[name][1]

