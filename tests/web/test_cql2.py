"""CQL2 text: the parser's trees and errors, and filters answered over HTTP."""
from __future__ import annotations

import pytest
import shapely

from registry.errors import InvalidInput
from registry.filters import And, Between, Compare, In, IsNull, Like, Not, Or, Spatial
from web.cql2 import parse_cql2, tokenize

ITEMS = "/ogcapi/collections/drains/items"


@pytest.mark.parametrize("text, tree", [
    ("condition >= 4", Compare("condition", ">=", 4)),
    ("4 <= condition", Compare("condition", ">=", 4)),
    ("depth_m <> 1.5e0", Compare("depth_m", "<>", 1.5)),
    ("road_name = '中山路'", Compare("road_name", "=", "中山路")),
    ("courtyard = 'O''Brien'", Compare("courtyard", "=", "O'Brien")),
    ('"material" IN (\'brick\', \'plastic\')', In("material", ("brick", "plastic"))),
    ("material NOT IN ('brick')", Not(In("material", ("brick",)))),
    ("road_name LIKE '中山%'", Like("road_name", "中山%")),
    ("condition between 2 and 3", Between("condition", 2, 3)),
    ("condition NOT BETWEEN 2 AND 3", Not(Between("condition", 2, 3))),
    ("depth_m IS NULL", IsNull("depth_m")),
    ("depth_m IS NOT NULL", Not(IsNull("depth_m"))),
    ("hazard_assessed = TRUE", Compare("hazard_assessed", "=", True)),
    ("last_cleaned < DATE('2025-06-01')", Compare("last_cleaned", "<", "2025-06-01")),
    ("a = 1 OR b = 2 AND c = 3",
     Or((Compare("a", "=", 1), And((Compare("b", "=", 2), Compare("c", "=", 3)))))),
    ("(a = 1 OR b = 2) AND NOT c = 3",
     And((Or((Compare("a", "=", 1), Compare("b", "=", 2))), Not(Compare("c", "=", 3))))),
])
def test_attribute_filters_become_the_registry_tree(text, tree):
    assert parse_cql2(text) == tree


@pytest.mark.parametrize("text, op, geometry", [
    ("S_INTERSECTS(geometry, POINT(114.51 38.04))", "intersects", shapely.Point(114.51, 38.04)),
    ("s_intersects(geometry, LINESTRING(114.5 38.0, 114.6 38.1))", "intersects",
     shapely.LineString([(114.5, 38.0), (114.6, 38.1)])),
    ("S_INTERSECTS(POLYGON((0 0, 1 0, 1 1, 0 0)), geometry)", "intersects",
     shapely.Polygon([(0, 0), (1, 0), (1, 1)])),
    ("S_INTERSECTS(geometry, BBOX(114.5, 38.0, 114.6, 38.1))", "intersects",
     shapely.box(114.5, 38.0, 114.6, 38.1)),
    ("S_WITHIN(geometry, BBOX(0, 0, 1, 1))", "within", shapely.box(0, 0, 1, 1)),
    ("S_WITHIN(BBOX(0, 0, 1, 1), geometry)", "contains", shapely.box(0, 0, 1, 1)),
])
def test_spatial_functions_become_spatial_nodes(text, op, geometry):
    node = parse_cql2(text)
    assert isinstance(node, Spatial) and node.op == op
    assert node.geometry.equals(geometry)


def test_geometries_are_reprojected_by_the_caller():
    node = parse_cql2("S_INTERSECTS(geometry, POINT(38.04 114.51))",
                      reproject=lambda g: shapely.transform(g, lambda xy: xy[:, ::-1]))
    assert node.geometry.equals(shapely.Point(114.51, 38.04))


@pytest.mark.parametrize("text, message", [
    ("condition >= ", "position 14: expected a value"),
    ("condition >= 4 AND", "position 19: expected a value"),
    ("(condition = 1", "position 15: expected ')', found the end of the filter"),
    ("condition == 4", "position 12: expected a value"),
    ("road_name = '中山路", "position 13: cannot read an unclosed quote"),
    ("condition # 4", "position 11: cannot read '#'"),
    ("condition = 4 material = 'pe'", "position 15: expected AND, OR or the end of the filter"),
    ("material = road_name", "position 12: a comparison needs one property and one value"),
    ("S_INTERSECTS(geometry, POINT(1))", "position 24: not a valid POINT"),
    ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "position 24: BBOX needs four numbers"),
    ("material NOT = 'pe'", "position 14: expected LIKE, BETWEEN or IN after NOT"),
    ("last_cleaned = DATE('June')", "position 21: DATE needs an ISO 8601 text"),
    ("", "filter is empty"),
])
def test_malformed_filters_name_the_position(text, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_cql2(text)


def test_only_queryable_properties_are_allowed():
    with pytest.raises(InvalidInput, match="position 1: unknown property 'colour'"):
        parse_cql2("colour = 'red'", properties=["material", "condition"])


def test_tokens_keep_their_position():
    assert [(t.kind, t.pos) for t in tokenize("a<=-1.5")] == [
        ("word", 0), ("op", 1), ("number", 3), ("end", 7)]


@pytest.mark.parametrize("cql, matched", [
    ("condition >= 4 AND material = 'brick'", 30),
    ("condition BETWEEN 2 AND 3", 92),
    ("material IN ('brick', 'concrete')", 154),
    ("road_name LIKE '中山%'", 77),
    ("depth_m IS NULL", 58),
    ("NOT depth_m IS NULL", 172),
    ("condition = 5 OR condition = 1", 92),
    ("S_INTERSECTS(geometry, BBOX(114.50, 38.03, 114.51, 38.04))", 81),
    ("S_INTERSECTS(geometry, POLYGON((114.50 38.03, 114.51 38.03, 114.51 38.04, 114.50 38.04, "
     "114.50 38.03))) AND condition = 5", 15),  # 16 surveyed, drain 0 since repaired
])
def test_filters_select_the_matching_drains(client, cql, matched):
    body = client.get(ITEMS, query_string={"filter": cql, "filter-lang": "cql2-text"}).get_json()
    assert body["numberMatched"] == matched


def test_filter_crs_reads_geometries_in_that_crs(client):
    lat_lon = "S_INTERSECTS(geometry, BBOX(38.03, 114.50, 38.04, 114.51))"
    body = client.get(ITEMS, query_string={
        "filter": lat_lon, "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4490"}).get_json()
    assert body["numberMatched"] == 81


def test_a_malformed_filter_is_a_400_naming_the_position(client):
    response = client.get(ITEMS, query_string={"filter": "condition >>= 4"})
    assert response.status_code == 400
    assert response.get_json()["detail"] == \
        "filter, position 12: expected a value (number, 'text', TRUE, FALSE, DATE or TIMESTAMP), " \
        "found '>='"


def test_an_unknown_filter_language_is_a_400(client):
    response = client.get(ITEMS, query_string={"filter": "condition = 1", "filter-lang": "cql2-json"})
    assert response.status_code == 400
    assert "cql2-text" in response.get_json()["detail"]
