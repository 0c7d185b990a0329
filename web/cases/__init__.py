"""The cases blueprint: the JSON API under ``/api/cases`` and the pages under ``/cases``.

Endpoint names follow the central policy (`web.auth.policy`): ``cases.report`` needs the
``report`` permission (inspectors), every other write ``cases`` (engineers), reading ``view``.

>>> from web.app import create_app
>>> create_app({"REGISTRY": "city.gpkg"}).url_map.bind("").match("/api/cases/202610090001")
('cases.case', {'case_id': '202610090001'})
"""
from __future__ import annotations

from flask import Blueprint

from web.cases import api, pages


def create_blueprint() -> Blueprint:
    """``/api/cases`` (list, report, one case, moves, photos, overdue GeoJSON, categories)
    and the pages ``/cases`` (list and panel) and ``/cases/ranking`` (with its downloads)."""
    blueprint = Blueprint("cases", __name__)
    for rule, endpoint, view, methods in (
            ("/api/cases", "list", api.list_cases, ["GET"]),
            ("/api/cases", "report", api.report, ["POST"]),
            ("/api/cases/categories", "categories", api.categories, ["GET"]),
            ("/api/cases/overdue.geojson", "overdue", api.overdue, ["GET"]),
            ("/api/cases/<case_id>", "case", api.case, ["GET"]),
            ("/api/cases/<case_id>/moves", "move", api.move, ["POST"]),
            ("/api/cases/<case_id>/photos/<int:number>", "photo", api.photo, ["GET"]),
            ("/cases", "list_page", pages.list_page, ["GET"]),
            ("/cases/mine", "my_reports", pages.my_reports, ["GET"]),
            ("/cases/export.<fmt>", "list_file", pages.list_file, ["GET"]),
            ("/cases/ranking", "ranking_page", pages.ranking_page, ["GET"]),
            ("/cases/ranking.<fmt>", "ranking_file", pages.ranking_file, ["GET"])):
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)
    return blueprint
