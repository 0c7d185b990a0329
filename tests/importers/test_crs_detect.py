"""CRS: declared beats guessed, guesses say what they assumed, old datums carry a warning."""
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from importers.crs_detect import choose_crs, datum_warning, guess_crs, outside_extent

from registry.errors import InvalidInput

EXTENT = (113.5, 37.4, 115.5, 38.8)
LONLAT = np.array([[114.48, 38.03], [114.52, 38.05], [114.61, 37.99]])


def projected(epsg):
    return np.column_stack(Transformer.from_crs(4490, epsg, always_xy=True)
                           .transform(LONLAT[:, 0], LONLAT[:, 1]))


def test_lonlat_inside_the_extent_is_cgcs2000():
    choice = guess_crs(LONLAT, EXTENT, "lamps.csv")
    assert (choice.crs, choice.swap_xy) == ("EPSG:4490", False)
    assert choice.note.startswith("assumed: coordinates are lon/lat inside the extent")


def test_latlon_is_swapped_with_a_warning():
    choice = guess_crs(LONLAT[:, ::-1], EXTENT, "lamps.csv")
    assert (choice.crs, choice.swap_xy) == ("EPSG:4490", True)
    assert choice.warnings == ("x and y were swapped (x held latitudes); swapped them back",)


def test_six_digit_eastings_are_gauss_kruger_cm_114():
    choice = guess_crs(projected(4547), EXTENT, "wells.shp")
    assert choice.crs == "EPSG:4547"
    assert choice.note == ("assumed: 6-digit eastings (no zone prefix) around CM 114E -> "
                           "CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547)")


def test_eight_digit_eastings_prefixed_38_are_zone_38():
    assert projected(4526)[0, 0] // 1e6 == 38
    choice = guess_crs(projected(4526), EXTENT, "wells.shp")
    assert choice.crs == "EPSG:4526" and "8-digit eastings prefixed 38" in choice.note


def test_surveyors_x_northing_y_easting_is_recognised_and_swapped():
    choice = guess_crs(projected(4547)[:, ::-1], EXTENT, "wells.csv")
    assert (choice.crs, choice.swap_xy) == ("EPSG:4547", True)
    assert "x held northings" in choice.warnings[0]


def test_coordinates_nobody_can_place_are_refused_naming_the_file():
    with pytest.raises(InvalidInput, match=r"^wells.csv: cannot tell the coordinate system of "
                                           r"x 1000\.\.2000, y 5\.\.9; pass crs="):
        guess_crs(np.array([[1000.0, 5.0], [2000.0, 9.0]]), EXTENT, "wells.csv")


def test_lonlat_far_from_the_extent_is_still_lonlat():
    choice = guess_crs(np.array([[-71.1, 42.37]]), EXTENT, "cambridge.csv")
    assert choice.crs == "EPSG:4490" and "outside the extent" in choice.note


def test_given_beats_declared_beats_guessed():
    sample = projected(4547)
    given = choose_crs(sample, override="EPSG:2383", declared="EPSG:4547", spec=None,
                       extent=EXTENT, source="a.shp")
    declared = choose_crs(sample, override=None, declared="EPSG:4547", spec=None,
                          extent=EXTENT, source="a.shp")
    assert (given.crs, given.note) == ("EPSG:2383", "given: crs=EPSG:2383")
    assert (declared.crs, declared.note) == ("EPSG:4547", "declared: a.shp says EPSG:4547")


def test_geojson_without_crs_member_holding_projected_coordinates_is_flagged():
    choice = choose_crs(projected(4547), override=None, declared=None, spec="EPSG:4326",
                        extent=EXTENT, source="old.geojson")
    assert choice.crs == "EPSG:4547"
    assert "old.geojson has no crs member, so RFC 7946 requires lon/lat" in choice.warnings[-1]


def test_unknown_crs_is_refused():
    with pytest.raises(InvalidInput, match=r"crs=: unknown coordinate reference system 'EPSG:99'"):
        choose_crs(LONLAT, override="EPSG:99", declared=None, spec=None, extent=EXTENT,
                   source="a.csv")


@pytest.mark.parametrize("epsg, words", [
    (2435, "Beijing 1954 -> CGCS2000 shift valid here and pyproj applies none"),
    (2383, "Xian 1980 -> CGCS2000 shift and pyproj applies none")])
def test_old_chinese_datums_carry_their_accuracy(epsg, words):
    warning = datum_warning(CRS.from_epsg(epsg), CRS.from_epsg(4490))
    assert warning.startswith(f"EPSG:{epsg} (") and words in warning


@pytest.mark.parametrize("epsg", [4547, 4526, 4326, 4490])
def test_cgcs2000_and_wgs84_need_no_warning(epsg):
    assert datum_warning(CRS.from_epsg(epsg), CRS.from_epsg(4490)) is None


def test_outside_extent_flags_what_reaches_out_and_not_missing_geometry():
    geometries = np.array([shapely.Point(114.5, 38.0), shapely.LineString([(114.5, 38), (116, 38)]),
                           None, shapely.Point(-71.1, 42.37)], dtype=object)
    assert outside_extent(shapely.bounds(geometries), EXTENT).tolist() == [False, True, False, True]
