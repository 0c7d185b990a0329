"""OGC API – Features (Part 1 core, Part 2 CRS, Part 3 CQL2 text filters) under ``/ogcapi``."""
from __future__ import annotations

from flask import Blueprint

from web.ogcapi import views


def create_blueprint() -> Blueprint:
    """The ``/ogcapi`` blueprint, ready for `Flask.register_blueprint`."""
    blueprint = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")
    views.register(blueprint)
    return blueprint
