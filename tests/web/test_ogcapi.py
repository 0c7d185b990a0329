"""OGC API – Features Part 1 core: the documents and items a client sees."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

DRAINS = "/ogcapi/collections/drains"


def rels(doc: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in doc["links"]}


def test_landing_page_links_the_api(client):
    doc = client.get("/ogcapi").get_json()
    links = rels(doc)
    assert links["service-desc"] == "http://localhost/ogcapi/openapi"
    assert links["conformance"] == "http://localhost/ogcapi/conformance"
    assert links["data"] == "http://localhost/ogcapi/collections"
    assert client.get("/ogcapi/").get_json() == doc


def test_conformance_declares_parts_1_to_3(client):
    classes = client.get("/ogcapi/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in classes


def test_collections_list_every_layer_with_chinese_titles(client, city):
    doc = client.get("/ogcapi/collections").get_json()
    titles = {c["id"]: c["title"] for c in doc["collections"]}
    assert set(titles) == set(city.counts)
    assert titles["drains"] == "收水井 Storm-drain inlets"
    assert titles["grids"].startswith("责任网格")


def test_a_collection_has_the_extent_of_its_assets_and_its_crss(client):
    doc = client.get(DRAINS).get_json()
    assert doc["extent"]["spatial"]["bbox"] == [[114.5036, 38.0336, 114.5156, 38.0448]]
    assert doc["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                          "http://www.opengis.net/def/crs/EPSG/0/4490",
                          "http://www.opengis.net/def/crs/EPSG/0/4547"]
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    assert rels(doc)["items"].startswith("http://localhost/ogcapi/collections/drains/items")


def test_items_default_to_100_with_counts_and_a_next_link(client):
    response = client.get(f"{DRAINS}/items")
    doc = response.get_json()
    assert response.content_type == "application/geo+json"
    assert (doc["numberMatched"], doc["numberReturned"], len(doc["features"])) == (230, 100, 100)
    assert doc["timeStamp"].endswith("Z")
    assert parse_qs(urlsplit(rels(doc)["next"]).query)["offset"] == ["100"]
    assert "prev" not in rels(doc)


def test_paging_walks_every_drain_once(client):
    seen, url = [], f"{DRAINS}/items?limit=70"
    while url:
        doc = client.get(url).get_json()
        seen += [f["id"] for f in doc["features"]]
        url = rels(doc).get("next")
    assert len(seen) == len(set(seen)) == 230


def test_the_last_page_has_a_prev_link_and_no_next(client):
    doc = client.get(f"{DRAINS}/items?limit=100&offset=200&material=brick").get_json()
    links = rels(doc)
    assert (doc["numberMatched"], doc["numberReturned"]) == (77, 0)
    assert "next" not in links
    assert parse_qs(urlsplit(links["prev"]).query) == {
        "limit": ["100"], "material": ["brick"], "offset": ["100"]}


def test_a_feature_carries_its_properties_and_lon_lat_point(client, city):
    drain = city.drains.iloc[1]
    doc = client.get(f"{DRAINS}/items?source_id=YS0001").get_json()
    feature = doc["features"][0]
    assert feature["id"] == drain["uuid"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [drain.geometry.x,
                                                                    drain.geometry.y]}
    props = feature["properties"]
    assert (props["material"], props["condition"], props["depth_m"]) == ("concrete", 4, None)
    assert (props["road_name"], props["gbt_code"], props["state"]) == \
        ("建设大街", "1301020104000002", "unknown")  # no state given: not invented


@pytest.mark.parametrize("query, matched", [
    ("material=brick", 77), ("material=brick&condition=4", 15), ("condition=5", 45),
    ("grid_code=130102001", 230), ("state=damaged", 0), ("road_name=中山路", 77),
])
def test_property_filters(client, query, matched):
    assert client.get(f"{DRAINS}/items?{query}").get_json()["numberMatched"] == matched


def test_a_bool_property_filter(client):
    doc = client.get("/ogcapi/collections/gas_mains/items?hazard_assessed=true").get_json()
    assert doc["numberMatched"] == 23


def test_bbox_selects_the_drains_inside(client):
    doc = client.get(f"{DRAINS}/items?bbox=114.50,38.03,114.51,38.04").get_json()
    assert doc["numberMatched"] == 81
    assert all(114.50 <= f["geometry"]["coordinates"][0] <= 114.51 for f in doc["features"])


def test_datetime_answers_as_the_layer_stood_then(client, city):
    before = client.get(f"{DRAINS}/items?condition=5&datetime={city.before_repair}").get_json()
    assert before["numberMatched"] == 46
    assert client.get(f"{DRAINS}/items?condition=5").get_json()["numberMatched"] == 45


def test_one_item_by_uuid(client, city):
    response = client.get(f"{DRAINS}/items/{city.repaired_drain}")
    doc = response.get_json()
    assert response.content_type == "application/geo+json"
    assert (doc["type"], doc["id"]) == ("Feature", city.repaired_drain)
    assert (doc["properties"]["condition"], doc["properties"]["version"]) == (1, 2)
    assert rels(doc)["collection"] == "http://localhost/ogcapi/collections/drains"


def test_one_item_as_it_stood_then(client, city):
    doc = client.get(f"{DRAINS}/items/{city.repaired_drain}?datetime={city.before_repair}")
    assert doc.get_json()["properties"]["condition"] == 5


def test_an_item_of_another_layer_is_not_found(client, city):
    response = client.get(f"/ogcapi/collections/lamp_posts/items/{city.repaired_drain}")
    assert response.status_code == 404
    assert response.get_json()["detail"] == f"no asset {city.repaired_drain} in layer lamp_posts"


def test_queryables_are_a_json_schema_of_the_layer_fields(client):
    response = client.get(f"{DRAINS}/queryables")
    doc = response.get_json()
    assert response.content_type == "application/schema+json"
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["properties"]["geometry"] == {"format": "geometry-point", "title": "几何 Geometry"}
    assert doc["properties"]["condition"] == {"type": "integer", "title": "状况等级 Condition grade",
                                              "minimum": 1, "maximum": 5}
    assert doc["properties"]["material"]["enum"] == ["brick", "concrete", "plastic"]
    assert doc["properties"]["depth_m"]["x-unit"] == "m"


@pytest.mark.parametrize("query, detail", [
    ("limit=10001", "limit must be between 1 and 10000, got 10001"),
    ("limit=0", "limit must be between 1 and 10000, got 0"),
    ("offset=-5", "offset must be a whole number of 0 or more, got '-5'"),
    ("bbox=1,2,3", "bbox must be four numbers, lower corner first, got [1.0, 2.0, 3.0]"),
    ("bbox=a,b,c,d", "bbox must be comma-separated numbers, got 'a,b,c,d'"),
    ("condition=good", "condition must be a number, got 'good'"),
    ("datetime=2026-01-01/2026-02-01",
     "datetime must be one instant (the layer as it stood then), not the interval "
     "'2026-01-01/2026-02-01'"),
    ("datetime=yesterday", "'yesterday' is not a date or date-time (YYYY-MM-DD[THH:MM:SS])"),
    ("f=xml", "f must be one of json, html, got 'xml'"),
])
def test_bad_parameters_are_400_with_the_reason(client, query, detail):
    response = client.get(f"{DRAINS}/items?{query}")
    assert (response.status_code, response.get_json()["detail"]) == (400, detail)


def test_an_unknown_parameter_is_a_400_listing_the_allowed_ones(client):
    detail = client.get(f"{DRAINS}/items?colour=red").get_json()["detail"]
    assert detail.startswith("unknown parameter 'colour'; allowed: f, limit, offset, bbox")
    assert detail.endswith("condition, last_cleaned")
