"""GCJ-02 / BD-09: the published reference values, and an inverse good to half a metre."""
import numpy as np
import pytest
from pyproj import Geod

from importers import webcoords

GEOD = Geod(ellps="GRS80")


@pytest.fixture
def shijiazhuang_grid():
    lon, lat = np.meshgrid(np.linspace(113.5, 115.5, 41), np.linspace(37.4, 38.8, 29))
    return lon.ravel(), lat.ravel()


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_forward_formulas_match_the_widely_used_reference_values():
    # Tiananmen, the vector every coordtransform/eviltransform port is tested against.
    assert np.allclose(webcoords.wgs84_to_gcj02(116.404, 39.915),
                       (116.41024449916938, 39.91640428150164), atol=1e-12)
    assert np.allclose(webcoords.gcj02_to_bd09(116.404, 39.915),
                       (116.41036949371029, 39.92133699351021), atol=1e-12)
    assert np.allclose(webcoords.wgs84_to_bd09(116.404, 39.915),
                       (116.41662724378733, 39.922699552216216), atol=1e-12)


def test_gcj02_offset_is_about_half_a_kilometre_in_shijiazhuang(shijiazhuang_grid):
    lon, lat = shijiazhuang_grid
    offset = metres(lon, lat, *webcoords.wgs84_to_gcj02(lon, lat))
    assert 450 < offset.min() and offset.max() < 650


def test_gcj02_inverse_is_within_half_a_metre_where_one_step_is_metres_off(shijiazhuang_grid):
    lon, lat = shijiazhuang_grid
    gcj_lon, gcj_lat = webcoords.wgs84_to_gcj02(lon, lat)
    assert metres(lon, lat, *webcoords.gcj02_to_wgs84(gcj_lon, gcj_lat)).max() < 0.5
    one_step = gcj_lon - webcoords.gcj02_offset(gcj_lon, gcj_lat)[0], \
        gcj_lat - webcoords.gcj02_offset(gcj_lon, gcj_lat)[1]
    assert metres(lon, lat, *one_step).max() > 1.0


def test_bd09_inverse_is_within_half_a_metre(shijiazhuang_grid):
    lon, lat = shijiazhuang_grid
    back = webcoords.bd09_to_wgs84(*webcoords.wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *back).max() < 0.5
    gcj = webcoords.wgs84_to_gcj02(lon, lat)
    assert metres(*gcj, *webcoords.bd09_to_gcj02(*webcoords.gcj02_to_bd09(*gcj))).max() < 0.5


def test_outside_china_gcj02_is_wgs84():
    cambridge = (np.array([-71.1]), np.array([42.37]))
    assert np.array_equal(np.ravel(webcoords.wgs84_to_gcj02(*cambridge)), [-71.1, 42.37])
    assert np.allclose(np.ravel(webcoords.gcj02_to_wgs84(*cambridge)), [-71.1, 42.37])


def test_to_wgs84_takes_an_array_of_lon_lat_pairs():
    wgs = np.array([[114.5, 38.0], [114.6, 38.1]])
    gcj = np.column_stack(webcoords.wgs84_to_gcj02(wgs[:, 0], wgs[:, 1]))
    assert np.allclose(webcoords.to_wgs84(gcj, "gcj02"), wgs, atol=1e-8)
