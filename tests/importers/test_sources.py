"""read_survey on every GDAL vector format, with the traps contractors' files set."""
import hashlib
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from importers import webcoords
from importers.sources import read_survey
from registry.errors import InvalidInput, NotFound

NAMES = ["雨水箅子", "铸铁井盖", "长安区中山路", "燃气安全自闭阀"]
LONLAT = [(114.48, 38.03), (114.52, 38.05), (114.61, 37.99), (114.55, 38.01)]


@pytest.fixture
def drains():
    """Four storm inlets in Shijiazhuang, CGCS2000 lon/lat, with Chinese text."""
    return gpd.GeoDataFrame({"名称": NAMES, "材质": ["铸铁", "球墨铸铁", "钢", "PE"],
                             "深度": [1.2, 0.8, 1.5, 2.0]},
                            geometry=shapely.points(LONLAT), crs=4490)


def assert_same_points(raw, expected=LONLAT, tolerance=1e-7):
    assert raw.frame.crs.to_epsg() == 4490
    assert np.allclose(shapely.get_coordinates(raw.frame.geometry.values), expected,
                       atol=tolerance)


def test_gbk_shapefile_without_cpg_reads_without_mojibake(tmp_path, drains):
    path = tmp_path / "drains.shp"
    drains.to_file(path, encoding="gbk", engine="pyogrio")
    (tmp_path / "drains.cpg").unlink()
    raw = read_survey(path)
    assert raw.frame["名称"].tolist() == NAMES
    assert list(raw.frame.columns) == ["_row", "名称", "材质", "深度", "geometry", "_outside_extent"]
    assert raw.encoding == "gb18030"
    assert raw.encoding_note.startswith("detected: no .cpg; GB18030 scored best")
    assert "latin-1 0.00 mojibake" in raw.encoding_note
    assert (raw.format, raw.source_crs, raw.warnings) == ("Shapefile", "EPSG:4490", [])
    assert raw.frame["_row"].tolist() == [1, 2, 3, 4]


def test_shapefile_without_prj_in_gauss_kruger_is_assumed_and_said(tmp_path, drains):
    path = tmp_path / "wells.shp"
    drains.to_crs(4547).to_file(path, encoding="utf-8")
    (tmp_path / "wells.prj").unlink()
    raw = read_survey(path)
    assert raw.source_crs == "EPSG:4547"
    assert raw.crs_note.startswith("assumed: 6-digit eastings (no zone prefix)")
    assert (raw.encoding, raw.encoding_note) == ("utf-8", "declared: .cpg says UTF-8")
    assert_same_points(raw)


def test_shapefile_with_prj_is_declared_and_checksum_covers_its_parts(tmp_path, drains):
    path = tmp_path / "wells.shp"
    drains.to_crs(4526).to_file(path)
    raw = read_survey(path)
    assert (raw.source_crs, raw.crs_note) == ("EPSG:4526", "declared: wells.shp says EPSG:4526")
    assert_same_points(raw)
    digest = hashlib.sha256()
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        digest.update((tmp_path / f"wells{suffix}").read_bytes())
    assert raw.checksum == digest.hexdigest()


def test_geopackage_with_several_layers_needs_a_layer_name(tmp_path, drains):
    path = tmp_path / "survey.gpkg"
    drains.to_file(path, layer="drains")
    drains.iloc[:2].to_crs(4547).to_file(path, layer="lamps")
    with pytest.raises(InvalidInput, match=r"^survey.gpkg holds 2 layers \(drains, lamps\); "
                                           r"choose one with layer_name=$"):
        read_survey(path)
    with pytest.raises(InvalidInput, match=r"no layer 'wells'; layers: drains, lamps"):
        read_survey(path, layer_name="wells")
    raw = read_survey(path, layer_name="lamps")
    assert (len(raw.frame), raw.layer_name, raw.format, raw.source_crs) == \
        (2, "lamps", "GeoPackage", "EPSG:4547")
    assert_same_points(raw, LONLAT[:2])
    assert raw.checksum == hashlib.sha256(path.read_bytes()).hexdigest()


def feature_collection(coordinates, crs_name=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": name},
         "geometry": {"type": "Point", "coordinates": list(xy)}}
        for name, xy in zip(NAMES, coordinates)]}
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return doc


def write_json(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_rfc7946_geojson_is_lonlat_wgs84(tmp_path):
    raw = read_survey(write_json(tmp_path / "a.geojson", feature_collection(LONLAT)))
    assert raw.source_crs == "EPSG:4326"
    assert raw.crs_note == ("specified: no crs member, so RFC 7946 lon/lat WGS84 "
                            "(EPSG:4326 ≈ EPSG:4490, under a metre apart)")
    assert raw.frame["名称"].tolist() == NAMES
    assert_same_points(raw)


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:EPSG::4547", "EPSG:4547"])
def test_old_geojson_crs_member_is_honoured(tmp_path, drains, name):
    coordinates = shapely.get_coordinates(drains.to_crs(4547).geometry.values)
    raw = read_survey(write_json(tmp_path / "old.geojson", feature_collection(coordinates, name)))
    assert (raw.source_crs, raw.crs_note) == ("EPSG:4547", "declared: old.geojson says EPSG:4547")
    assert_same_points(raw)


def test_old_geojson_naming_cgcs2000(tmp_path):
    raw = read_survey(write_json(tmp_path / "a.json", feature_collection(LONLAT, "EPSG:4490")))
    assert raw.source_crs == "EPSG:4490" and raw.crs_note.startswith("declared")


def test_geojson_without_crs_member_but_projected_coordinates_is_not_put_in_the_ocean(
        tmp_path, drains):
    coordinates = shapely.get_coordinates(drains.to_crs(4526).geometry.values)
    raw = read_survey(write_json(tmp_path / "a.geojson", feature_collection(coordinates)))
    assert raw.source_crs == "EPSG:4526"
    assert "has no crs member, so RFC 7946 requires lon/lat" in raw.warnings[0]
    assert_same_points(raw)


@pytest.mark.parametrize("driver, suffix, fmt", [
    ("FlatGeobuf", "fgb", "FlatGeobuf"), ("GML", "gml", "GML"), ("KML", "kml", "KML")])
def test_other_gdal_formats(tmp_path, drains, driver, suffix, fmt):
    path = tmp_path / f"drains.{suffix}"
    source = drains.to_crs(4326) if driver == "KML" else drains.to_crs(4547)
    source.to_file(path, driver=driver, **({"SPATIAL_INDEX": "NO"} if suffix == "fgb" else {}))
    raw = read_survey(path)
    assert raw.format == fmt
    assert raw.frame["名称"].tolist() == NAMES
    assert raw.source_crs == ("EPSG:4326" if driver == "KML" else "EPSG:4547")
    assert_same_points(raw, tolerance=1e-6)


def test_dxf_points_and_lines_in_gauss_kruger(tmp_path, drains):
    path = tmp_path / "pipes.dxf"
    lines = shapely.linestrings([[xy, (xy[0] + 0.001, xy[1])] for xy in LONLAT])
    gpd.GeoDataFrame(geometry=list(drains.geometry) + list(lines), crs=4490).to_crs(4547) \
        .to_file(path, driver="DXF")  # DXF keeps no CRS
    raw = read_survey(path)
    assert raw.format == "DXF" and raw.source_crs == "EPSG:4547"
    assert raw.frame.geom_type.tolist() == ["Point"] * 4 + ["LineString"] * 4
    assert {"Layer", "EntityHandle"} <= set(raw.frame.columns)
    assert np.allclose(shapely.get_coordinates(raw.frame.geometry.values[:4]), LONLAT, atol=1e-7)


def test_one_unreadable_geometry_does_not_stop_the_rest(tmp_path):
    doc = feature_collection(LONLAT)
    doc["features"][1]["geometry"] = {"type": "Polygon", "coordinates": [[[114.5, 38], [114.6, 38.1]]]}
    raw = read_survey(write_json(tmp_path / "broken.geojson", doc))
    assert raw.frame["名称"].tolist() == NAMES
    assert raw.frame.geometry.isna().tolist() == [False, True, False, False]
    assert len(raw.warnings) == 1
    assert raw.warnings[0].startswith("row 2: geometry unreadable, left empty (Non closed ring")
    assert raw.warnings[0].endswith("unreadable geometry (A linearring requires at least 4 "
                                    "coordinates.))")


def test_gdal_warning_about_a_bad_point_names_the_row(tmp_path):
    doc = feature_collection(LONLAT)
    doc["features"][2]["geometry"] = {"type": "Point", "coordinates": ["x"]}
    raw = read_survey(write_json(tmp_path / "broken.geojson", doc))
    assert raw.frame.geometry.isna().tolist() == [False, False, True, False]
    assert raw.warnings[0].startswith("GDAL: OGRGeoJSONReadRawPoint(): Invalid coord dimension")
    assert raw.warnings[1] == "row 3: coordinates ['x'] are not numbers; geometry left empty"


def test_corrupt_shapefile_record_is_named_with_gdals_reason(tmp_path, drains):
    path = tmp_path / "pipes.shp"
    lines = shapely.linestrings([[xy, (xy[0] + 0.001, xy[1])] for xy in LONLAT])
    gpd.GeoDataFrame({"名称": NAMES}, geometry=lines, crs=4490).to_file(path)
    data = bytearray(path.read_bytes())
    second_record = 100 + 8 + 80  # file header, then record 1: header + 80-byte line
    data[second_record + 52:second_record + 56] = (10 ** 6).to_bytes(4, "little")  # part start
    path.write_bytes(bytes(data))
    raw = read_survey(path)
    assert raw.frame.geometry.isna().tolist() == [False, True, False, False]
    assert raw.warnings == ["row 2: geometry unreadable, left empty (Corrupted .shp file : "
                            "shape 1 : panPartStart[0] = 1000000, nVertices = 2)"]


def test_null_geometry_is_not_a_reading_error(tmp_path):
    doc = feature_collection(LONLAT)
    doc["features"][0]["geometry"] = None
    raw = read_survey(write_json(tmp_path / "a.geojson", doc))
    assert raw.frame.geometry.isna().tolist() == [True, False, False, False]
    assert raw.warnings == []


def test_unreadable_and_missing_files_are_named(tmp_path):
    junk = tmp_path / "survey.gpkg"
    junk.write_bytes(b"this is no geopackage")
    with pytest.raises(InvalidInput, match=r"^survey.gpkg: not a readable survey file"):
        read_survey(junk)
    with pytest.raises(NotFound, match=r"^gone.shp: no such survey file"):
        read_survey(tmp_path / "gone.shp")


def test_records_outside_the_extent_are_kept_and_flagged(tmp_path):
    raw = read_survey(write_json(tmp_path / "a.geojson",
                                 feature_collection(LONLAT[:3] + [(116.4, 39.9)])))
    assert raw.frame["_outside_extent"].tolist() == [False, False, False, True]
    assert raw.warnings == ["1 of 4 records lie outside the extent (113.5, 37.4, 115.5, 38.8) "
                            "(kept; flagged in _outside_extent)"]


def test_gcj02_coordinates_are_moved_back_within_half_a_metre(tmp_path):
    lon, lat = np.array(LONLAT).T
    shifted = np.column_stack(webcoords.wgs84_to_gcj02(lon, lat))
    raw = read_survey(write_json(tmp_path / "amap.geojson", feature_collection(shifted)),
                      coords="gcj02")
    assert raw.source_crs == "GCJ-02"
    assert "GCJ-02 offset removed (iterative inverse, < 0.5 m)" in raw.crs_note
    assert_same_points(raw, tolerance=1e-8)


def test_web_offsets_need_lonlat(tmp_path, drains):
    path = tmp_path / "wells.gpkg"
    drains.to_crs(4547).to_file(path)
    with pytest.raises(InvalidInput, match=r"coords=bd09 needs lon/lat coordinates, but they "
                                           r"are in EPSG:4547"):
        read_survey(path, coords="bd09")
    with pytest.raises(InvalidInput, match=r"coords='wgs': expected one of gcj02, bd09"):
        read_survey(path, coords="wgs")


def test_beijing_1954_survey_warns_about_its_datum(tmp_path, drains):
    path = tmp_path / "old.gpkg"
    drains.to_crs(4547).set_crs(2435, allow_override=True).to_file(path)
    raw = read_survey(path)
    assert raw.source_crs == "EPSG:2435"
    assert "Beijing 1954 -> CGCS2000 shift valid here and pyproj applies none" in raw.warnings[0]


def test_crs_argument_overrides_the_file(tmp_path, drains):
    path = tmp_path / "wells.gpkg"
    drains.to_crs(4547).set_crs(4490, allow_override=True).to_file(path)  # a wrong .prj-style label
    raw = read_survey(path, crs="EPSG:4547")
    assert (raw.source_crs, raw.crs_note) == ("EPSG:4547", "given: crs=EPSG:4547")
    assert_same_points(raw)


def test_geojson_saved_in_gbk_is_read_through_a_utf8_copy(tmp_path):
    path = tmp_path / "gbk.geojson"
    path.write_bytes(json.dumps(feature_collection(LONLAT), ensure_ascii=False).encode("gbk"))
    raw = read_survey(path)
    assert raw.frame["名称"].tolist() == NAMES
    assert raw.encoding == "gb18030" and raw.encoding_note.startswith("detected: GB18030")
    assert raw.source_crs == "EPSG:4326"


# pyogrio's own GDAL error handler cannot decode the cut name either and says so on stderr.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_shapefile_whose_column_name_splits_a_character_is_refused_by_name(tmp_path) -> None:
    frame = gpd.GeoDataFrame({"编号": ["YS-1"], "所在道路": ["建设大街"]},
                             geometry=[shapely.Point(114.5, 38.04)], crs=4490)
    path = tmp_path / "收水井.shp"
    frame.to_file(path, engine="pyogrio", encoding="UTF-8")  # 所在道路 is 12 bytes: cut at 10
    with pytest.raises(InvalidInput, match="收水井.shp: a column name is not valid text"):
        read_survey(path)
