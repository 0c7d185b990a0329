"""The real Cambridge MA layers: RFC 7946 GeoJSON, WGS84, no crs member."""
import pytest

from importers.sources import read_survey

CAMBRIDGE = (-71.2, 42.3, -71.0, 42.5)


@pytest.mark.parametrize("name, count, geometry", [
    ("INFRA_StreetLights.geojson", 6117, {"Point"}),
    ("INFRA_Drainage.geojson", 137, {"LineString"}),
    ("BASEMAP_Bridges.geojson", 52, {"Polygon", "MultiPolygon"}),
    ("BOUNDARY_CDDNeighborhoods.geojson", 13, {"Polygon"})])
def test_cambridge_layers_read_whole(shared_data, name, count, geometry):
    raw = read_survey(shared_data / "cambridge_ma" / name, extent=CAMBRIDGE)
    assert len(raw.frame) == count
    assert set(raw.frame.geom_type) == geometry
    assert raw.frame["_row"].tolist() == list(range(1, count + 1))
    assert raw.source_crs == "EPSG:4326"
    assert raw.crs_note == ("specified: no crs member, so RFC 7946 lon/lat WGS84 "
                            "(EPSG:4326 ≈ EPSG:4490, under a metre apart)")
    assert raw.frame.crs.to_epsg() == 4490
    assert not raw.frame["_outside_extent"].any()


def test_street_light_attributes_come_back_as_written(shared_data):
    raw = read_survey(shared_data / "cambridge_ma" / "INFRA_StreetLights.geojson",
                      extent=CAMBRIDGE)
    pole = raw.frame.set_index("PoleID").loc["445-8"]
    assert (pole["StreetName"], pole["Owner"], pole["Neighborhood"]) == ("LOCKE", "City", 11.0)
    assert raw.frame["Owner"].isna().sum() == 1027
    assert raw.warnings == []


def test_cambridge_in_the_shijiazhuang_registry_is_flagged_not_dropped(shared_data):
    raw = read_survey(shared_data / "cambridge_ma" / "INFRA_Drainage.geojson")
    assert raw.frame["_outside_extent"].all() and len(raw.frame) == 137
    assert raw.warnings == ["137 of 137 records lie outside the extent (113.5, 37.4, 115.5, 38.8) "
                            "(kept; flagged in _outside_extent)"]
