"""Vector tiles: addressing, what a tile holds, clusters at low zoom, filters, and the cache
following edits. Tiles are decoded with mapbox-vector-tile, as a client would."""
from __future__ import annotations

import math

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pytest
import shapely

import registry
from browser import city
from browser.city import build_city
from web.app import create_app
from web.tiles.address import TileAddress
from web.tiles.mvt import TileLayer, encode
from open_access import OPEN

CENTRE = (city.WEST + city.DLON, city.SOUTH + city.DLAT)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The slippy-map tile holding a point (the OSM formula, independent of the code)."""
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def decoded(client, layer: str, z: int, x: int, y: int, query: str = "") -> list[dict]:
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    tile = mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})
    return tile.get(layer, {"features": []})["features"]


def covering(z: int) -> list[tuple[int, int, int]]:
    """Every tile at zoom z touching the synthetic city."""
    _, x0, y0 = tile_of(city.WEST, city.SOUTH + 2 * city.DLAT, z)
    _, x1, y1 = tile_of(city.WEST + 2 * city.DLON, city.SOUTH, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_a_z16_tile_holds_the_drains_inside_it_where_they_are(city_app):
    lon, lat = city.WEST + 0.011, city.SOUTH + 0.0099      # a lattice drain
    z, x, y = tile_of(lon, lat, 16)
    features = decoded(city_app.test_client(), "drains", z, x, y)
    n = 2 ** z
    expected = (round(((lon + 180) / 360 * n - x) * 4096),
                round(((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y) * 4096))
    found = [f for f in features if tuple(f["geometry"]["coordinates"]) == expected]
    assert len(found) == 1
    assert set(found[0]["properties"]) == {"uuid", "gbt_code", "state", "condition", "material"}
    assert found[0]["properties"]["gbt_code"].startswith("1301020104")


def test_tiles_at_z14_carry_every_drain_once_inside_their_own_bounds(city_app):
    client = city_app.test_client()
    inside = []
    for z, x, y in covering(14):
        for f in decoded(client, "drains", z, x, y):
            px, py = f["geometry"]["coordinates"]
            if 0 <= px < 4096 and 0 <= py < 4096:     # the rest is the neighbours' buffer
                inside.append(f["properties"]["uuid"])
    assert len(inside) == len(set(inside)) == 400


def test_bridges_come_as_polygons_with_their_condition_class(city_app):
    client = city_app.test_client()
    features = [f for address in covering(15) for f in decoded(client, "bridges", *address)]
    classes = {f["properties"]["uuid"]: f["properties"]["condition_class"] for f in features}
    assert sorted(classes.values()) == ["A", "D", "E"]
    assert {f["geometry"]["type"] for f in features} == {"Polygon"}


def test_mains_are_clipped_to_the_tile_and_its_buffer(city_app):
    z, x, y = tile_of(city.WEST + 0.01, city.SOUTH + 0.003, 17)
    features = decoded(city_app.test_client(), "gas_mains", z, x, y)
    assert features
    xs = [p[0] for f in features for p in f["geometry"]["coordinates"]]
    assert min(xs) >= -64 and max(xs) <= 4096 + 64
    assert {f["properties"]["material"] for f in features} <= set(city.MATERIALS)


def test_crowded_tiles_come_as_clusters_that_count_every_asset(registry_url):
    build_city(registry_url).close()
    client = create_app({"REGISTRY": registry_url, "TILE_MAX_FEATURES": 50, **OPEN}).test_client()
    features = [f for address in covering(12) for f in decoded(client, "drains", *address)]
    assert all(set(f["properties"]) == {"count"} for f in features)
    assert sum(f["properties"]["count"] for f in features) == 400
    assert len(features) < 400


def test_filters_narrow_the_tiles(city_app):
    client = city_app.test_client()
    poor = [f for address in covering(12)
            for f in decoded(client, "drains", *address, "?condition=5")]
    assert len(poor) == 80 and {f["properties"]["condition"] for f in poor} == {5}
    old = [f for address in covering(12)
           for f in decoded(client, "gas_mains", *address, "?built_before=1990")]
    assert len(old) == 5                                  # laid 1985–1989


def test_an_edit_shows_in_the_next_tile(registry_url):
    build_city(registry_url).close()
    client = create_app({"REGISTRY": registry_url, **OPEN}).test_client()
    lon, lat = CENTRE[0] + 0.0003, CENTRE[1] + 0.0003
    address = tile_of(lon, lat, 16)
    before = decoded(client, "drains", *address)
    reg = registry.open(registry_url)
    new = gpd.GeoDataFrame({"condition": [5]}, geometry=[shapely.Point(lon, lat)], crs=4490)
    added = reg.add("drains", new, registry.Change(who="测试"))
    reg.close()
    after = decoded(client, "drains", *address)
    assert len(after) == len(before) + 1
    assert added.loc[0, "uuid"] in {f["properties"]["uuid"] for f in after}


@pytest.mark.parametrize("address, detail", [
    ("drains/23/0/0", "no tile at zoom 23: zoom runs from 0 to 22"),
    ("drains/2/4/0", "no tile 2/4/0: x and y run from 0 to 3"),
    ("wells/2/0/0", "unknown layer 'wells'"),
])
def test_a_bad_tile_address_is_a_404_problem(city_app, address, detail):
    response = city_app.test_client().get(f"/tiles/{address}.mvt")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"].startswith(detail)


def test_a_bad_filter_is_a_400_problem(city_app):
    response = city_app.test_client().get("/tiles/drains/12/0/0.mvt?condition=9")
    assert response.status_code == 400
    assert response.json["detail"] == "condition must be a grade from 1 to 5, got 9"


def test_the_encoder_drops_missing_values_and_keeps_types():
    layer = TileLayer("t", shapely.points([[1, 2], [3, 4]]),
                      {"name": ["甲", None], "ok": [True, False], "depth": [1.5, np.nan]})
    features = mapbox_vector_tile.decode(encode([layer]))["t"]["features"]
    assert [f["properties"] for f in features] == [{"name": "甲", "ok": True, "depth": 1.5},
                                                   {"ok": False}]


def test_the_encoder_winds_polygon_exteriors_as_mvt_requires():
    clockwise = shapely.Polygon([(0, 0), (0, 100), (100, 100), (100, 0)])
    encoded = encode([TileLayer("t", np.array([clockwise]), {})])
    geometry = mapbox_vector_tile.decode(encoded, default_options={"y_coord_down": True})
    ring = geometry["t"]["features"][0]["geometry"]["coordinates"][0]
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    assert area > 0            # positive surveyor's area in y-down tile coordinates


def test_tile_addresses_match_the_slippy_map_formula():
    lon, lat = 114.514, 38.042
    west, south, east, north = TileAddress(*tile_of(lon, lat, 15)).lonlat_bounds()
    assert west <= lon < east and south < lat <= north
