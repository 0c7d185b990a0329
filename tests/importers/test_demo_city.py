"""The demo city: its grids tile the outline, its roads and names are Shijiazhuang's."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from importers.demo_city import CITY_CRS, demo_city, points_along, scatter_points
from importers.demo_courtyards import place_courtyards


@pytest.fixture(scope="module")
def city():
    return demo_city(seed=2026)


def test_58_grids_tile_the_city_without_gaps_or_overlaps(city):
    grids = city.grids.geometry.to_numpy()
    assert city.grids.crs == CITY_CRS and len(grids) == 58
    assert shapely.union_all(grids).area == pytest.approx(city.outline.area, rel=1e-9)
    left, right = shapely.STRtree(grids).query(grids, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(grids[left[pairs]], grids[right[pairs]]))
    assert overlap.sum() < 1.0  # m², over all neighbouring pairs


def test_grids_carry_street_offices_districts_and_county_codes(city):
    grids = city.grids
    assert grids["grid_code"].is_unique and grids["name"].is_unique
    assert grids["grid_code"].str.fullmatch(r"1301(02|04|05|08)\d{3}").all()
    assert grids.groupby("district").size().to_dict() == {
        "新华区": 14, "桥西区": 15, "裕华区": 14, "长安区": 15}
    assert {"建北街道", "青园街道", "育才街道"} <= set(grids["name"])
    assert (grids["street_office"] == grids["name"] + "办事处").all()
    assert (grids["departments"] == "市政管理处;园林局;燃气公司;路灯管理处").all()


def test_districts_are_unions_of_their_grids(city):
    districts = city.districts.set_index("name")
    assert districts.loc["长安区", "code"] == "130102"
    assert districts.area.sum() == pytest.approx(city.outline.area, rel=1e-9)
    # 长安区 lies north-east of 桥西区, as in the real city.
    north_east, south_west = (districts.loc[name, "geometry"].centroid for name in ("长安区", "桥西区"))
    assert north_east.x > south_west.x and north_east.y > south_west.y


def test_city_sits_on_shijiazhuang_in_metres(city):
    lon, lat = city.grids.to_crs("EPSG:4490").union_all().centroid.coords[0]
    assert 114.45 < lon < 114.57 and 38.0 < lat < 38.08
    width = city.outline.bounds[2] - city.outline.bounds[0]
    assert 15_000 < width < 20_000


def test_roads_have_chinese_names_and_stay_in_the_city(city):
    roads = city.roads
    assert {"中山路", "裕华路", "槐安路", "建设大街", "中华大街", "体育大街"} <= set(roads["name"])
    assert set(roads["direction"]) == {"EW", "NS"}
    assert shapely.within(roads.geometry.to_numpy(), city.outline.buffer(0.01)).all()
    assert set(city.rivers["name"]) == {"民心河", "太平河"}


def test_the_same_seed_builds_the_same_city():
    first, again, other = demo_city(7), demo_city(7), demo_city(8)
    assert first.outline.equals_exact(again.outline, 0)
    assert (first.grids.geometry.geom_equals_exact(again.grids.geometry, 0)).all()
    assert not first.outline.equals(other.outline)


def test_scatter_points_places_every_point_inside_the_area(city):
    xy = scatter_points(city.outline, 100_000, np.random.default_rng(1))
    assert xy.shape == (100_000, 2)
    assert shapely.contains_xy(city.outline, xy[:, 0], xy[:, 1]).all()


def test_points_along_lines_keep_spacing_and_offset():
    line = shapely.LineString([(0, 0), (200, 0)])
    points, on = points_along(np.array([line, line]), 40, np.array([5.0, -5.0]), 20)
    assert shapely.get_coordinates(points)[:5].tolist() == [
        [20, 5], [60, 5], [100, 5], [140, 5], [180, 5]]
    assert on.tolist() == [0] * 5 + [1] * 5


def test_courtyards_keep_clear_of_roads_and_each_other(city):
    yards = place_courtyards(city, 60, np.random.default_rng(3))
    outlines = yards.geometry.to_numpy()
    assert len(yards) == 60 and yards["name"].is_unique
    roads = city.roads.geometry.buffer(city.roads["half_width_m"]).union_all()
    assert not shapely.intersects(outlines, roads).any()
    left, right = shapely.STRtree(outlines).query(outlines, predicate="intersects")
    assert (left == right).all()
