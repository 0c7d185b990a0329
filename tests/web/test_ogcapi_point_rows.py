"""Items of point layers written from the storage's plain rows (PostGIS) are the very bytes
the frame path writes: every layer, with and without bbox, property, CQL2 and as-of filters,
on the test city and on the real Cambridge street lights."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import geopandas as gpd
import pytest
import shapely
from werkzeug.datastructures import MultiDict

import registry
from importers.pipeline import import_survey
from registry import Change, Query
from web import geojson
from web.ogcapi import views
from web.ogcapi.params import items_request

POINT_LAYERS = ("drains", "lamp_posts", "safety_valves")
MEMBERS = {"numberMatched": 3, "links": [{"href": "http://example.org/", "rel": "self"}]}
#: A box over part of the test city (round 114.51 E, 38.04 N).
AROUND = "114.506,38.036,114.511,38.042"


def _asks(city) -> list[dict[str, str]]:
    """The ``/items`` parameters tried on every layer."""
    return [{}, {"limit": "1000"}, {"limit": "7", "offset": "5"}, {"bbox": AROUND},
            {"state": "unknown", "limit": "50"},
            {"filter": "state = 'unknown' AND S_INTERSECTS(geometry, POLYGON((114.5 38.03, "
                       "114.52 38.03, 114.52 38.05, 114.5 38.03)))"},
            {"datetime": city.before_repair, "bbox": AROUND}]


def _same_bytes(reg: registry.Registry, query: Query) -> bool | None:
    """Whether the plain rows and the frame write the same FeatureCollection (None where
    the storage gave no rows)."""
    rows = reg.point_rows(query)
    if rows is None:
        return None
    assert len(rows.rows) == len(reg.query(query))
    return geojson.feature_collection(rows, MEMBERS) == geojson.feature_collection(
        reg.query(query), MEMBERS)


def test_every_layer_and_filter_writes_the_frames_bytes(city, backend: str) -> None:
    reg = registry.open(city.url)
    answers = {}
    for name, layer in reg.layers.items():
        for args in _asks(city):
            query = items_request(layer, reg.settings, MultiDict(args)).query
            answers[name, str(args)] = _same_bytes(reg, query)
    reg.close()
    served = {key for key, same in answers.items() if same is not None}
    assert all(answers[key] for key in served)
    expected = POINT_LAYERS if backend == "postgis" else ()
    assert {name for name, _ in served} == set(expected)
    assert len(served) == len(expected) * len(_asks(city))


def test_properties_and_awkward_values_write_the_frames_bytes(registry_url: str,
                                                            backend: str) -> None:
    reg = registry.create(registry_url, county="130102")
    reg.add("drains", gpd.GeoDataFrame(
        {"source_id": ["Q1", "Q2", "Q3"], "depth_m": [2.0, None, 1.2345678901234567],
         "road_name": ['路 "one"\n\t\\/', None, "😀\u2028\x01"], "condition": [None, 1, 5],
         "last_cleaned": ["2026-02-28", None, "1999-12-31"]},
        geometry=shapely.points([(114.5, 38.0), (114.51234567891234, 38.04), (115, 38)]),
        crs=4490), Change(who="test"))
    for properties in (None, ["depth_m"], ["road_name", "updated_at", "condition"], []):
        assert _same_bytes(reg, Query("drains", properties=properties, limit=10)) is (
            True if backend == "postgis" else None)
    reg.close()


def test_items_over_http_are_the_frames_bytes(client, city, monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: "2026-01-01T00:00:00Z")
    paths = [f"/ogcapi/collections/{layer}/items?bbox={AROUND}&limit=20&offset=3"
             for layer in POINT_LAYERS + ("gas_mains",)]
    rows_first = [client.get(path).data for path in paths]
    monkeypatch.setattr(registry.Registry, "point_rows", lambda self, query: None)
    assert [client.get(path).data for path in paths] == rows_first
    assert b'"numberReturned":20' in rows_first[0]


@pytest.fixture(scope="module")
def cambridge_lights(module_location: Callable[[], str], shared_data: Path
                     ) -> Iterator[registry.Registry]:
    """The 6,116 real Cambridge street lights a survey import keeps, as lamp posts."""
    reg = registry.create(module_location(), county="250017", metric_srid=26986,
                          extent=(-71.2, 42.3, -71.0, 42.5))
    import_survey(reg, shared_data / "cambridge_ma/INFRA_StreetLights.geojson", "lamp_posts",
                  who="王工")
    yield reg
    reg.close()


@pytest.mark.parametrize("args", [
    {"limit": "10000"}, {"bbox": "-71.12,42.36,-71.1,42.38", "limit": "500"},
    {"filter": "wattage_w > 100 OR lamp_type IS NULL", "limit": "2000", "offset": "100"}])
def test_real_street_lights_write_the_frames_bytes(cambridge_lights, backend, args) -> None:
    layer = cambridge_lights.layers["lamp_posts"]
    query = items_request(layer, cambridge_lights.settings, MultiDict(args)).query
    assert _same_bytes(cambridge_lights, query) is (True if backend == "postgis" else None)
