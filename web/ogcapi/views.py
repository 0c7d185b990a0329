"""The OGC API – Features endpoints: thin views over the registry."""
from __future__ import annotations

from flask import Blueprint, jsonify

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


def conformance():
    return jsonify({"conformsTo": CONFORMANCE})


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/conformance", "conformance", conformance)
