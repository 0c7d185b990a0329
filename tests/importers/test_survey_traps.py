"""Traps real deliveries set, imported with `import_survey` into a real GeoPackage registry:
coordinates written as text in GeoJSON, 3-D geometry, GDAL warning about particular rows."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import registry
from importers.pipeline import import_survey
from registry import Query

LONLAT = [(114.48, 38.03), (114.52, 38.05), (114.61, 37.99), (114.55, 38.01)]
IDS = ["YS-001", "YS-002", "YS-003", "YS-004"]


@pytest.fixture
def city(tmp_path: Path) -> registry.Registry:
    return registry.create(tmp_path / "city.gpkg", county="130102")


def positions(reg: registry.Registry, layer: str = "drains") -> dict[str, list]:
    frame = reg.query(Query(layer))
    return {sid: shapely.get_coordinates(g).round(8).tolist()
            for sid, g in zip(frame["source_id"], frame.geometry)}


def write_json(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def feature(sid: str, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": {"编号": sid, "深度": 1.2}, "geometry": geometry}


def test_geojson_with_text_coordinates_goes_in_where_they_are(tmp_path, city):
    path = write_json(tmp_path / "drains.geojson", [
        feature("YS-001", {"type": "Point", "coordinates": ["114.48", "38.03"]}),
        feature("YS-002", {"type": "Point", "coordinates": [114.52, 38.05]}),
        feature("YS-003", {"type": "Point", "coordinates": [" 114.61", "37,99"]}),
        feature("YS-004", {"type": "Point", "coordinates": ["114.55E", "38.01"]})])
    report = import_survey(city, path, "drains", who="王工")
    assert (report.accepted, report.rejected) == (3, 1)
    assert positions(city) == {"YS-001": [[114.48, 38.03]], "YS-002": [[114.52, 38.05]],
                               "YS-003": [[114.61, 37.99]]}
    assert report.notes[:2] == [
        '2 records: coordinates written as text ("114.48"), read as numbers',
        "row 4: coordinates ['114.55E', '38.01'] are not numbers; geometry left empty"]
    rejected = report.problem_table[report.problem_table["action"] == "rejected"]
    assert rejected[["row", "field"]].values.tolist() == [[4, "geometry"]]


def test_text_coordinates_in_lines_and_polygons(tmp_path, city):
    line = [["114.50", "38.04"], ["114.501", "38.04"], ["114.502", "38.041"]]
    path = write_json(tmp_path / "mains.geojson", [
        {"type": "Feature", "properties": {"管线编号": "GM-1", "材质": "PE"},
         "geometry": {"type": "LineString", "coordinates": line}}])
    report = import_survey(city, path, "gas_mains", who="王工")
    assert report.accepted == 1
    stored = city.query(Query("gas_mains")).geometry.iloc[0]
    assert shapely.get_coordinates(stored).tolist() == [[114.5, 38.04], [114.501, 38.04],
                                                        [114.502, 38.041]]


def test_a_3d_geopackage_says_it_drops_z(tmp_path, city):
    heights = [75.2, 80.5, 69.0, 71.25]
    frame = gpd.GeoDataFrame({"编号": IDS}, crs=4547, geometry=gpd.GeoSeries(
        shapely.points([(x, y, z) for (x, y), z in zip(LONLAT, heights)]), crs=4490).to_crs(4547))
    path = tmp_path / "drains_3d.gpkg"
    frame.to_file(path)
    report = import_survey(city, path, "drains", who="王工")
    assert report.accepted == 4
    assert "Z dropped (4 records, range 69–80.5 m): the registry stores x/y only" in report.notes
    assert "Z dropped (4 records, range 69–80.5 m)" in report.summary()
    stored = city.query(Query("drains")).geometry
    assert not shapely.has_z(stored.to_numpy()).any()
    assert np.allclose(sorted(shapely.get_coordinates(stored.to_numpy()).tolist()),
                       sorted(map(list, LONLAT)), atol=1e-7)


def test_a_2d_survey_says_nothing_about_z(tmp_path, city):
    path = tmp_path / "drains.gpkg"
    gpd.GeoDataFrame({"编号": IDS}, geometry=shapely.points(LONLAT), crs=4490).to_file(path)
    report = import_survey(city, path, "drains", who="王工")
    assert not any("Z dropped" in note for note in report.notes)


def gbk_drains_with_bad_numbers(tmp_path: Path) -> Path:
    """A shapefile whose numeric 深度 holds '1,5' and '2x0' on rows 2 and 4 (DBF is text)."""
    path = tmp_path / "drains.shp"
    gpd.GeoDataFrame({"编号": IDS, "深度": [1.25, 1.5, 1.75, 2.0]},
                     geometry=shapely.points(LONLAT), crs=4490).to_file(path, encoding="utf-8")
    dbf = path.with_suffix(".dbf")
    data = dbf.read_bytes()
    for good, bad in [(b"1.500000", b"1,500000"), (b"2.000000", b"2x000000")]:
        assert data.count(good) == 1
        data = data.replace(good, bad)
    dbf.write_bytes(data)
    return path


def test_gdal_warnings_are_traced_to_their_rows_and_summarised(tmp_path, city, caplog, capfd):
    path = gbk_drains_with_bad_numbers(tmp_path)
    with caplog.at_level(logging.DEBUG):
        report = import_survey(city, path, "drains", who="王工", dry_run=True)
    lines = [n for n in report.notes if n.startswith("GDAL")]
    assert lines == [
        "GDAL: 2 records: Value '…' of field drains.深度 parsed incompletely to real …. "
        "(2 values; first: Value '1,500000000000000' of field drains.深度 parsed incompletely "
        "to real 1.); the number GDAL read is not used, the text is kept (rows 2, 4)"]
    assert lines[0] in report.summary()
    # Nothing streamed: not to the log, not to the terminal.
    assert not [r for r in caplog.records if "parsed incompletely" in r.getMessage()]
    out, err = capfd.readouterr()
    assert "parsed incompletely" not in out + err


def test_gdals_truncated_number_is_not_stored(tmp_path, city):
    report = import_survey(city, gbk_drains_with_bad_numbers(tmp_path), "drains", who="王工")
    depths = city.query(Query("drains")).set_index("source_id")["depth_m"].to_dict()
    assert depths["YS-001"] == 1.25 and depths["YS-003"] == 1.75
    # GDAL read '2x0…' as 2 and '1,5…' as 1: neither number is the survey's.
    assert depths.get("YS-004") != 2.0 and depths.get("YS-002") != 1.0
    assert report.total == 4


def test_text_coordinates_beside_a_broken_ring_are_read_record_by_record(tmp_path, city):
    # The unclosed ring makes the bulk read give up; the record-by-record read still finds
    # the text coordinates.
    path = write_json(tmp_path / "drains.geojson", [
        feature("YS-001", {"type": "Point", "coordinates": ["114.48", "38.03"]}),
        feature("YS-002", {"type": "Polygon", "coordinates": [[[114.5, 38], [114.6, 38.1]]]}),
        feature("YS-003", {"type": "Point", "coordinates": [114.61, 37.99]})])
    report = import_survey(city, path, "drains", who="王工")
    assert positions(city) == {"YS-001": [[114.48, 38.03]], "YS-003": [[114.61, 37.99]]}
    assert report.notes[0] == '1 record: coordinates written as text ("114.48"), read as numbers'
    assert not any(n.startswith("row 1:") for n in report.notes)
    assert any(n.startswith("row 2: geometry unreadable") for n in report.notes)
