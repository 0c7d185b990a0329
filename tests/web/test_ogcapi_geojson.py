"""The GeoJSON encoder: RFC 7946 features from result frames, missing values as null."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from web.geojson import column_values, feature, feature_collection, geometries


def decoded(frame: gpd.GeoDataFrame) -> dict:
    return orjson.loads(feature_collection(frame, {"numberReturned": len(frame)}))


def test_points_missing_values_and_timestamps():
    frame = gpd.GeoDataFrame({
        "uuid": ["a", "b"], "depth_m": [1.5, np.nan], "condition": pd.array([3, None], "Int64"),
        "road_name": ["中山路", None], "hazard": pd.array([True, None], "boolean"),
        "created_at": pd.to_datetime(["2026-03-01T08:00:00+08:00", None], utc=True),
    }, geometry=[shapely.Point(114.51, 38.04), None], crs=4490)
    doc = decoded(frame)
    assert doc["numberReturned"] == 2
    assert doc["features"] == [
        {"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [114.51, 38.04]},
         "properties": {"depth_m": 1.5, "condition": 3, "road_name": "中山路", "hazard": True,
                        "created_at": "2026-03-01T00:00:00.000Z"}},
        {"type": "Feature", "id": "b", "geometry": None,
         "properties": {"depth_m": None, "condition": None, "road_name": None, "hazard": None,
                        "created_at": None}}]


def test_lines_polygons_and_multi_geometries():
    shapes = [shapely.LineString([(0, 0), (1, 1)]), shapely.box(0, 0, 1, 1),
              shapely.MultiPoint([(0, 0), (2, 2)])]
    doc = decoded(gpd.GeoDataFrame({"uuid": ["l", "p", "m"]}, geometry=shapes))
    assert [f["geometry"]["type"] for f in doc["features"]] == ["LineString", "Polygon",
                                                                 "MultiPoint"]
    assert doc["features"][0]["geometry"]["coordinates"] == [[0.0, 0.0], [1.0, 1.0]]


def test_an_empty_frame_is_an_empty_collection():
    frame = gpd.GeoDataFrame({"uuid": []}, geometry=[], crs=4490)
    assert feature_collection(frame) == b'{"type":"FeatureCollection","features":[]}'


def test_one_feature_with_links():
    frame = gpd.GeoDataFrame({"uuid": ["a"], "n": [1]}, geometry=[shapely.Point(1, 2)])
    assert orjson.loads(feature(frame, {"links": []})) == {
        "type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
        "properties": {"n": 1}, "links": []}


def test_empty_points_are_null_and_3d_points_keep_height():
    assert geometries(np.array([shapely.Point(), shapely.Point(1, 2, 3)])) == [
        None, {"type": "Point", "coordinates": [1.0, 2.0, 3.0]}]


def test_naive_timestamps_are_taken_as_utc():
    assert column_values(pd.Series(pd.to_datetime(["2026-03-01 08:00"]))) == \
        ["2026-03-01T08:00:00.000Z"]
