"""Real clients against the served app: GDAL's OAPIF driver (through pyogrio) and OWSLib."""
from __future__ import annotations

import pyogrio
import pytest
from owslib.ogcapi.features import Features

PAGE_SIZE = 50


def read_layer(live_url: str, layer: str, **options):
    # use_arrow: pyogrio's Arrow reader releases the GIL while GDAL fetches pages, so the
    # server thread in this same process can answer them (the row reader would deadlock).
    return pyogrio.read_dataframe(f"OAPIF:{live_url}/ogcapi", layer=layer, use_arrow=True,
                                  PAGE_SIZE=PAGE_SIZE, **options)


def test_gdal_lists_every_layer_with_its_geometry(live_url, city):
    layers = dict(pyogrio.list_layers(f"OAPIF:{live_url}/ogcapi").tolist())
    assert set(layers) == set(city.counts)
    assert (layers["drains"], layers["gas_mains"], layers["grids"]) == \
        ("Point", "LineString", "Polygon")


def test_gdal_reads_every_asset_across_pages(live_url, city):
    """Drains (230) and lamp posts (120) take several 50-item pages: GDAL follows `next`."""
    frames = {layer: read_layer(live_url, layer) for layer in city.counts}
    assert {layer: len(frame) for layer, frame in frames.items()} == city.counts
    assert {frame.crs.to_epsg() for frame in frames.values()} == {4490}


def test_gdal_reads_the_right_coordinates_and_attributes(live_url, city):
    frame = read_layer(live_url, "drains").set_index("id")
    drain = city.drains.set_index("uuid").loc[city.repaired_drain]
    point = frame.geometry.loc[city.repaired_drain]
    assert (point.x, point.y) == pytest.approx((drain.geometry.x, drain.geometry.y))
    assert (frame.loc[city.repaired_drain, "condition"],
            frame.loc[city.repaired_drain, "road_name"]) == (1, "中山路")


def test_gdal_spatial_and_attribute_filters(live_url):
    assert len(read_layer(live_url, "drains", bbox=(114.50, 38.03, 114.51, 38.04))) == 81
    assert len(read_layer(live_url, "drains", where="material = 'brick' AND condition >= 4")) == 30


def test_owslib_lists_collections_and_conformance(live_url, city):
    api = Features(f"{live_url}/ogcapi")
    assert {c["id"] for c in api.collections()["collections"]} == set(city.counts)
    assert api.collection("drains")["title"] == "收水井 Storm-drain inlets"
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]


def test_owslib_items_with_bbox_and_limit(live_url):
    api = Features(f"{live_url}/ogcapi")
    page = api.collection_items("drains", bbox=[114.50, 38.03, 114.51, 38.04], limit=5)
    assert (page["numberMatched"], page["numberReturned"], len(page["features"])) == (81, 5, 5)


def test_owslib_one_item_and_queryables(live_url, city):
    api = Features(f"{live_url}/ogcapi")
    item = api.collection_item("drains", city.repaired_drain)
    assert item["properties"]["condition"] == 1
    assert "material" in api.collection_queryables("drains")["properties"]
