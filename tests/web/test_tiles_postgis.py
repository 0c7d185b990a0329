"""Tiles from a PostGIS-backed app (ST_AsMVT) decode to what the GeoPackage-backed app's
Python encoder serves over the same city: features, properties, clusters and filters."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import mapbox_vector_tile
import pytest
from flask import Flask

from browser.city import build_city
from postgis_server import PostgisServer
from registry.copying import copy_registry
from web.app import create_app
from web.tiles.blueprint import MVT_TYPE
from test_tiles import covering, tile_of, CENTRE  # type: ignore[import-not-found]
from open_access import OPEN

pytestmark = pytest.mark.postgis
#: A cap low enough that the city's z12 and z13 tiles come as clusters.
CROWDED = 50


@pytest.fixture(scope="module")
def twins(postgis_server: PostgisServer, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Path, str]]:
    """The synthetic city as a GeoPackage and its copy in PostGIS."""
    path = tmp_path_factory.mktemp("city") / "city.gpkg"
    build_city(path).close()
    url = postgis_server.create_database("tiles_twin")
    copy_registry(path, url)
    yield path, url
    postgis_server.drop_database("tiles_twin")


def apps(twins: tuple[Path, str], **config: object) -> tuple[Flask, Flask]:
    path, url = twins
    return (create_app({"REGISTRY": str(path), **OPEN, **config}),
            create_app({"REGISTRY": url, **OPEN, **config}))


def features(app: Flask, path: str) -> list[dict]:
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.mimetype == MVT_TYPE
    layer = path.split("/")[2]
    tile = mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})
    return sorted(tile.get(layer, {"features": []})["features"],
                  key=lambda f: (str(f["properties"].get("uuid")), str(f["geometry"])))


def paths(layer: str, addresses: list[tuple[int, int, int]], query: str = "") -> list[str]:
    return [f"/tiles/{layer}/{z}/{x}/{y}.mvt{query}" for z, x, y in addresses]


@pytest.mark.parametrize("layer, z", [("drains", 14), ("drains", 16), ("lamp_posts", 15),
                                      ("safety_valves", 14)])
def test_point_tiles_are_the_same(twins, layer: str, z: int) -> None:
    gpkg, postgis = apps(twins)
    addresses = covering(z) if z <= 14 else [tile_of(*CENTRE, z)]
    served = 0
    for path in paths(layer, addresses):
        expected = features(gpkg, path)
        assert features(postgis, path) == expected
        served += len(expected)
    assert served


def test_crowded_tiles_are_the_same_clusters(twins) -> None:
    gpkg, postgis = apps(twins, TILE_MAX_FEATURES=CROWDED)
    total = 0
    for path in paths("drains", covering(12) + covering(13)):
        expected = features(gpkg, path)
        assert features(postgis, path) == expected
        total += sum(f["properties"]["count"] for f in expected)
    assert total == 2 * 400


def test_filtered_tiles_are_the_same(twins) -> None:
    gpkg, postgis = apps(twins)
    for path in (paths("drains", covering(13), "?condition=5")
                 + paths("gas_mains", covering(13), "?built_before=1990")):
        assert features(postgis, path) == features(gpkg, path)


@pytest.mark.parametrize("layer, z", [("gas_mains", 15), ("bridges", 15), ("grids", 13)])
def test_lines_and_areas_carry_the_same_features(twins, layer: str, z: int) -> None:
    """ST_AsMVTGeom may drop a redundant vertex the Python encoder keeps: the features, their
    properties and types must agree, and every vertex lie within a pixel of the other's."""
    gpkg, postgis = apps(twins)
    for path in paths(layer, covering(z)):
        expected, found = features(gpkg, path), features(postgis, path)
        assert [f["properties"] for f in found] == [f["properties"] for f in expected]
        assert [f["geometry"]["type"] for f in found] == [f["geometry"]["type"] for f in expected]
        for ours, theirs in zip(found, expected):
            assert _near(ours["geometry"]["coordinates"], theirs["geometry"]["coordinates"])


def _near(a: object, b: object) -> bool:
    """Every vertex of `a` within a pixel of some vertex of `b`."""
    flat_a, flat_b = _vertices(a), _vertices(b)
    return all(min(abs(x - u) + abs(y - v) for u, v in flat_b) <= 2 for x, y in flat_a)


def _vertices(coords: object) -> list[tuple[float, float]]:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [(coords[0], coords[1])]
    return [v for part in coords for v in _vertices(part)]  # type: ignore[union-attr]
