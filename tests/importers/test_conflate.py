"""Conflation against a real registry on each backend: updates, unchanged records, duplicates."""
from __future__ import annotations

from typing import Iterator

import geopandas as gpd
import pytest
import shapely
import shapely.affinity

import registry
from importers.conflate import Conflation, conflate
from registry import Change, Query

WHO = Change(who="王工", why="test survey", source="import")
#: Metres to degrees of latitude (for building test points a known distance apart).
LAT_PER_M = 1 / 110_574


@pytest.fixture
def reg(registry_url: str) -> Iterator[registry.Registry]:
    reg = registry.create(registry_url, county="130102")
    drains = gpd.GeoDataFrame({"source_id": ["A1", "A2"], "depth_m": [1.0, 2.0]},
                              geometry=[shapely.Point(114.5, 38.04), shapely.Point(114.51, 38.04)],
                              crs=4490)
    reg.add("drains", drains, WHO)
    yield reg
    reg.close()


def survey(rows: dict[int, tuple], with_ids: bool = True) -> gpd.GeoDataFrame:
    """Survey records by source row: (source_id, depth_m, lon, lat)."""
    ids, depths, points = zip(*[(sid, depth, shapely.Point(x, y))
                                for sid, depth, x, y in rows.values()])
    columns = {"source_id": list(ids)} if with_ids else {}
    return gpd.GeoDataFrame({**columns, "depth_m": list(depths)}, index=list(rows),
                            geometry=list(points), crs=4490)


def conflated(reg: registry.Registry, rows: dict[int, tuple], with_ids: bool = True
              ) -> Conflation:
    """The drains survey of these rows, checked by the registry, then conflated."""
    return conflate(reg, reg.check("drains", survey(rows, with_ids)))


def test_known_ids_update_when_changed_and_are_unchanged_otherwise(reg) -> None:
    found = conflated(reg, {1: ("A1", 1.0, 114.5, 38.04), 2: ("A2", 2.5, 114.51, 38.04)})
    assert list(found.unchanged) == [1]
    assert found.updates["depth_m"].tolist() == [2.5]
    assert found.updates["uuid"].tolist() == reg.query(Query("drains", where="source_id = 'A2'"))[
        "uuid"].tolist()
    assert found.new.empty and found.duplicates.empty


def test_a_moved_geometry_is_a_change(reg) -> None:
    found = conflated(reg, {1: ("A1", 1.0, 114.5, 38.04 + 0.5 * LAT_PER_M)})
    assert list(found.updates.index) == [1]


def test_new_record_within_a_metre_of_an_asset_is_a_probable_duplicate(reg) -> None:
    a1 = reg.query(Query("drains", where="source_id = 'A1'")).iloc[0]
    found = conflated(reg, {1: ("B1", 1.0, 114.5, 38.04 + 0.6 * LAT_PER_M),
                            2: ("B2", 1.0, 114.5, 38.04 + 2.0 * LAT_PER_M)})
    assert list(found.new) == [2]
    assert found.duplicates[["row", "field", "reason"]].values.tolist() == [
        [1, "geometry", f"within 1 m of asset {a1['uuid']} ({a1['gbt_code']})"]]


def test_new_record_within_a_metre_of_an_earlier_record_in_the_file(reg) -> None:
    found = conflated(reg, {4: ("C1", 1.0, 114.6, 38.1),
                            9: ("C2", 1.0, 114.6, 38.1 + 0.9 * LAT_PER_M)})
    assert list(found.new) == [4]
    assert found.duplicates["reason"].tolist() == ["within 1 m of row 4 of this file"]


def test_pipes_that_only_touch_are_not_duplicates(registry_url: str) -> None:
    reg = registry.create(registry_url, county="130102")
    a = shapely.LineString([(114.50, 38.04), (114.501, 38.04)])
    b = shapely.LineString([(114.501, 38.04), (114.502, 38.04)])
    frame = gpd.GeoDataFrame({"material": ["pe", "pe", "pe"]}, index=[1, 2, 3],
                             geometry=[a, b, b.reverse()], crs=4490)
    found = conflate(reg, reg.check("gas_mains", frame))
    assert list(found.new) == [1, 2]
    assert found.duplicates["reason"].tolist() == ["within 1 m of row 2 of this file"]


def test_id_less_record_repeating_an_id_less_asset_is_unchanged(reg) -> None:
    reg.add("drains", survey({1: (None, 3.0, 114.52, 38.04)}, with_ids=False), WHO)
    found = conflated(reg, {5: (None, 3.0, 114.52, 38.04), 6: (None, 1.0, 114.5, 38.04)},
                      with_ids=False)
    assert list(found.unchanged) == [5]
    assert found.duplicates["row"].tolist() == [6]


def test_source_id_of_a_retired_asset_is_rejected(reg) -> None:
    a2 = reg.query(Query("drains", where="source_id = 'A2'"))["uuid"].iloc[0]
    reg.retire(a2, WHO)
    found = conflated(reg, {3: ("A2", 2.0, 114.51, 38.04)})
    assert found.rejections[["row", "reason"]].values.tolist() == [
        [3, f"source id of retired asset {a2}: a retired asset never changes"]]
    assert found.new.empty and found.updates.empty


def square(west: float, south: float, side_m: float, vertices: int = 400) -> shapely.Polygon:
    """A square `side_m` metres across with densified edges, as a surveyed outline has."""
    side = side_m * LAT_PER_M
    ring = shapely.segmentize(shapely.box(west, south, west + side * 1.27, south + side),
                              side / (vertices / 4))
    return shapely.Polygon(ring.exterior)


def test_adjacent_polygons_are_not_duplicates_but_a_resurveyed_one_is(registry_url: str) -> None:
    reg = registry.create(registry_url, county="130102")
    step = 60 * LAT_PER_M * 1.27
    cells = [square(114.5 + i * step, 38.04, 60) for i in range(3)]
    # Row 4 is cell 1 surveyed again 0.4 m north; row 5 shares cell 2's bounds but not its
    # shape (a triangle in the same box): the Hausdorff distance, not the bounds, decides.
    again = shapely.affinity.translate(cells[1], 0, 0.4 * LAT_PER_M)
    xmin, ymin, xmax, ymax = cells[2].bounds
    triangle = shapely.segmentize(shapely.Polygon([(xmin, ymin), (xmax, ymin), (xmin, ymax)]),
                                  step / 100)
    frame = gpd.GeoDataFrame({"name": ["一", "二", "三", "二", "三"]}, index=[1, 2, 3, 4, 5],
                             geometry=[*cells, again, triangle], crs=4490)
    found = conflate(reg, reg.check("grids", frame))
    assert list(found.new) == [1, 2, 3, 5]
    assert found.duplicates[["row", "reason"]].values.tolist() == [
        [4, "within 1 m of row 2 of this file"]]


def test_a_polygon_resurveyed_against_the_registry_is_held(registry_url: str) -> None:
    reg = registry.create(registry_url, county="130102")
    cell = square(114.5, 38.04, 60)
    stored = reg.add("grids", gpd.GeoDataFrame({"name": ["一"], "source_id": ["130102001"]},
                                               geometry=[cell], crs=4490), WHO)
    moved = [shapely.affinity.translate(cell, 0, dy * LAT_PER_M) for dy in (0.9, -1.2)]
    # New codes: only the geometry can tell that row 7 is the stored grid again.
    frame = gpd.GeoDataFrame({"name": ["一号", "一号"], "source_id": ["130102091", "130102092"]},
                             index=[7, 8], geometry=moved, crs=4490)
    found = conflate(reg, reg.check("grids", frame))
    assert list(found.new) == [8]
    assert found.duplicates["row"].tolist() == [7]
    assert found.duplicates["reason"].iloc[0].startswith(f"within 1 m of asset {stored['uuid'].iloc[0]}")
