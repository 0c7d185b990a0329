"""OGC API – Features Part 2: answers and boxes in CRS84, EPSG:4490 and EPSG:4547."""
from __future__ import annotations

import pyproj
import pytest

from web.ogcapi.crs import CRS84, epsg_uri

ITEMS = "/ogcapi/collections/drains/items"
LON, LAT = 114.5036, 38.0336  # drain YS0000


def first_point(client, **params) -> tuple[list[float], str]:
    response = client.get(ITEMS, query_string={"source_id": "YS0000", **params})
    return response.get_json()["features"][0]["geometry"]["coordinates"], \
        response.headers["Content-Crs"]


def test_crs84_is_the_default_lon_lat(client):
    assert first_point(client) == ([LON, LAT], f"<{CRS84}>")


def test_epsg_4490_answers_lat_lon_as_its_definition_says(client):
    coords, header = first_point(client, crs=epsg_uri(4490))
    assert coords == [LAT, LON]
    assert header == "<http://www.opengis.net/def/crs/EPSG/0/4490>"


def test_the_metric_grid_answers_northing_easting(client):
    coords, header = first_point(client, crs=epsg_uri(4547))
    easting, northing = pyproj.Transformer.from_crs(4490, 4547, always_xy=True).transform(LON, LAT)
    assert coords == pytest.approx([northing, easting], abs=0.001)
    assert 544_000 < easting < 545_000 and header == f"<{epsg_uri(4547)}>"


def test_lines_are_reprojected_too(client):
    doc = client.get("/ogcapi/collections/gas_mains/items",
                     query_string={"limit": 1, "crs": epsg_uri(4490)}).get_json()
    assert doc["features"][0]["geometry"]["coordinates"][0] == [38.033, 114.503]


def test_bbox_crs_reads_the_box_in_that_crs(client):
    lat_lon = client.get(ITEMS, query_string={"bbox": "38.03,114.50,38.04,114.51",
                                              "bbox-crs": epsg_uri(4490)}).get_json()
    forward = pyproj.Transformer.from_crs(4490, 4547, always_xy=True)
    (e1, e2), (n1, n2) = forward.transform([114.50, 114.51], [38.03, 38.04])
    metric = client.get(ITEMS, query_string={"bbox": f"{n1},{e1},{n2},{e2}",
                                             "bbox-crs": epsg_uri(4547)}).get_json()
    assert lat_lon["numberMatched"] == 81
    assert metric["numberMatched"] == 81


def test_one_item_in_another_crs(client, city):
    response = client.get(f"{ITEMS}/{city.repaired_drain}", query_string={"crs": "EPSG:4490"})
    assert response.get_json()["geometry"]["coordinates"] == [LAT, LON]
    assert response.headers["Content-Crs"] == f"<{epsg_uri(4490)}>"


@pytest.mark.parametrize("param", ["crs", "bbox-crs", "filter-crs"])
def test_a_crs_not_offered_is_a_400_listing_the_offered(client, param):
    query = {param: epsg_uri(3857), "bbox": "0,0,1,1", "filter": "condition = 1"}
    detail = client.get(ITEMS, query_string=query).get_json()["detail"]
    assert detail == ("CRS 'http://www.opengis.net/def/crs/EPSG/0/3857' is not offered; use one "
                      f"of: {CRS84}, {epsg_uri(4490)}, {epsg_uri(4547)}")


def test_bbox_crs_without_a_bbox_is_a_400(client):
    response = client.get(ITEMS, query_string={"bbox-crs": epsg_uri(4490)})
    assert response.get_json()["detail"] == "bbox-crs needs a bbox"
