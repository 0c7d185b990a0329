"""The storage contract, through the registry a user drives: every backend must pass these."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import registry
from registry import Change, MaintenanceEvent, Query
from registry.errors import Conflict, InvalidInput, NotFound, RecordErrors, StorageError


def test_settings_survive_reopening(city: registry.Registry) -> None:
    again = registry.open(city.url)
    assert again.settings.county == "130102"
    assert again.settings.storage_srid == 4490 and again.settings.metric_srid == 4547


def test_a_second_registry_at_the_same_place_is_refused(city: registry.Registry) -> None:
    with pytest.raises(StorageError):
        registry.create(city.url, county="130102")


def test_added_assets_get_codes_grids_and_a_first_version(city: registry.Registry) -> None:
    drains = city.query(Query("drains"))
    assert len(drains) == 200
    assert drains["gbt_code"].tolist()[:2] == ["1301020104000001", "1301020104000002"]
    assert drains["gbt_code"].is_unique
    west = drains.geometry.x < 114.5
    assert set(drains.loc[west, "grid_code"]) == {"130102001"}
    assert set(drains.loc[~west, "grid_code"]) == {"130102002"}
    assert set(drains["version"]) == {1} and set(drains["state"]) == {"unknown"}  # none given


def test_box_query_returns_exactly_the_assets_inside(city: registry.Registry, origin: tuple) -> None:
    X0, Y0 = origin
    found = city.query(Query("drains", bbox=(X0 - 1e-4, Y0 - 1e-4, X0 + 0.0101, Y0 + 0.0101)))
    assert sorted(found["source_id"]) == ["YS-000", "YS-001", "YS-002", "YS-020", "YS-021",
                                          "YS-022", "YS-040", "YS-041", "YS-042"]


def test_attribute_filters_combine_with_space_and_grid(city: registry.Registry) -> None:
    q = Query("drains", grid="130102002", where="condition >= 4 and grate_type = 'flat'")
    found = city.query(q)
    assert len(found) == city.count(q) == 20
    assert (found["condition"] >= 4).all() and (found.geometry.x >= 114.5).all()
    older = city.query(Query("drains", where="install_year < 1995 and condition in (1, 2)"))
    assert set(older["install_year"]) <= {1990, 1991, 1992, 1993, 1994}
    assert set(older["condition"]) <= {1, 2}


def test_paging_is_stable_and_complete(city: registry.Registry) -> None:
    pages = [city.query(Query("drains", limit=60, offset=o)) for o in (0, 60, 120, 180)]
    assert [len(p) for p in pages] == [60, 60, 60, 20]
    assert len(set().union(*(set(p["uuid"]) for p in pages))) == 200


def test_nearest_are_ordered_by_distance_in_metres(city: registry.Registry, origin: tuple) -> None:
    X0, Y0 = origin
    found = city.query(Query("drains", nearest=shapely.Point(X0 + 1e-4, Y0 + 1e-4), k=3))
    assert found["source_id"].tolist()[0] == "YS-000"
    assert found["distance_m"].is_monotonic_increasing
    assert found["distance_m"].iloc[0] == pytest.approx(14.1, abs=0.5)  # 0.0001° each way
    assert set(found["source_id"].iloc[1:]) == {"YS-001", "YS-020"}


def test_within_distance_uses_metres(city: registry.Registry, origin: tuple) -> None:
    X0, Y0 = origin
    # Lattice spacing is 0.005° ≈ 439 m east-west and ≈ 555 m north-south at 38° N.
    centre = shapely.Point(X0 + 0.005 * 10, Y0 + 0.005 * 4)
    assert city.count(Query("drains", geometry=centre, distance_m=1)) == 1
    assert city.count(Query("drains", geometry=centre, distance_m=450)) == 3
    assert city.count(Query("drains", geometry=centre, distance_m=560)) == 5


def test_within_polygon_and_intersects_line(city: registry.Registry, origin: tuple) -> None:
    X0, Y0 = origin
    triangle = shapely.Polygon([(X0 - 0.001, Y0 - 0.001), (X0 + 0.0215, Y0 - 0.001),
                                (X0 - 0.001, Y0 + 0.0215)])
    within = city.query(Query("drains", geometry=triangle, predicate="within"))
    assert len(within) == 15  # 5 + 4 + 3 + 2 + 1 lattice points under the hypotenuse
    road = shapely.LineString([(114.40, Y0 + 0.005 * 2), (114.60, Y0 + 0.005 * 2)])
    assert city.count(Query("drains", geometry=road)) == 20


def test_update_keeps_the_old_version_for_as_of(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    before = datetime.now(timezone.utc)
    time.sleep(0.01)
    city.update(uuid, {"condition": 5}, change=Change(who="王工", why="grate broken"))
    assert city.get(uuid)["properties"]["condition"] == 5
    assert city.get(uuid, as_of=before)["properties"]["condition"] == 1
    old_layer = city.query(Query("drains", as_of=before, where="condition = 5"))
    assert uuid not in set(old_layer["uuid"]) and len(old_layer) == 40
    point = city.get(uuid)["geometry"]
    box = (point.x - 1e-4, point.y - 1e-4, point.x + 0.0051, point.y + 1e-4)
    then = city.query(Query("drains", bbox=box, as_of=before))
    assert sorted(then["condition"]) == [1, 2] and uuid in set(then["uuid"])
    assert sorted(city.query(Query("drains", bbox=box))["condition"]) == [2, 5]
    versions = city.history(uuid)["versions"]
    assert [(v["version"], v["who"], v["changes"]) for v in versions] == [
        (1, "setup", {}), (2, "王工", {"condition": [1, 5]})]


def test_as_of_finds_a_moved_asset_where_it_stood(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    old = city.get(uuid)["geometry"]
    before = datetime.now(timezone.utc)
    time.sleep(0.01)
    city.update(uuid, geometry=shapely.Point(114.55, 38.05), change=Change(who="crew"))
    then_box, new_box = (old.x - 1e-5, old.y - 1e-5, old.x + 1e-5, old.y + 1e-5), \
        (114.55 - 1e-5, 38.05 - 1e-5, 114.55 + 1e-5, 38.05 + 1e-5)
    assert city.query(Query("drains", bbox=then_box, as_of=before))["uuid"].tolist() == [uuid]
    assert city.query(Query("drains", bbox=new_box, as_of=before)).empty
    assert city.query(Query("drains", bbox=then_box)).empty
    assert city.query(Query("drains", bbox=new_box))["uuid"].tolist() == [uuid]


def test_moving_an_asset_moves_it_between_grids(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", grid="130102001", limit=1))["uuid"].iloc[0]
    city.update(uuid, geometry=shapely.Point(114.55, 38.05), change=Change(who="crew"))
    assert city.get(uuid)["properties"]["grid_code"] == "130102002"


def test_an_unchanged_update_writes_no_version(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    city.update(uuid, {"condition": 1}, change=Change(who="x"))
    assert len(city.history(uuid)["versions"]) == 1


def test_a_stale_edit_is_a_conflict(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    city.update(uuid, {"condition": 3}, change=Change(who="a"), expected_version=1)
    with pytest.raises(Conflict, match="version 2, not 1"):
        city.update(uuid, {"condition": 4}, change=Change(who="b"), expected_version=1)
    assert city.get(uuid)["properties"]["condition"] == 3


def test_retired_assets_leave_queries_but_keep_history(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    before = datetime.now(timezone.utc)
    time.sleep(0.01)
    city.retire(uuid, Change(who="x", why="removed in road works"))
    assert city.count(Query("drains")) == 199
    assert city.count(Query("drains", as_of=before)) == 200
    assert [v["kind"] for v in city.history(uuid)["versions"]] == ["add", "retire"]
    with pytest.raises(Conflict, match="retired"):
        city.update(uuid, {"condition": 2}, change=Change(who="x"))


def test_events_are_kept_and_update_condition(city: registry.Registry) -> None:
    uuid = city.query(Query("drains", limit=1))["uuid"].iloc[0]
    event = MaintenanceEvent("cleaning", "2026-05-03", crew="一队", condition_after=2, cost=120)
    city.record_event(uuid, event, Change(who="李工"))
    [stored] = city.events(uuid)
    assert (stored["kind"], stored["crew"], stored["condition_before"],
            stored["condition_after"], stored["cost"]) == ("cleaning", "一队", "1", "2", 120)
    assert city.get(uuid)["properties"]["condition"] == 2
    assert city.history(uuid)["versions"][-1]["why"] == "cleaning 2026-05-03"


def test_the_events_of_many_assets_come_in_one_read(city: registry.Registry) -> None:
    first, second, quiet = city.query(Query("drains", limit=3))["uuid"]
    for uuid, day in ((second, "2026-05-04"), (first, "2026-05-03"), (second, "2026-05-01")):
        city.record_event(uuid, MaintenanceEvent("cleaning", day), Change(who="李工"))
    found = city.storage.events_of([first, second, quiet])
    assert [(e["uuid"], e["date"]) for e in found] == [
        (second, "2026-05-01"), (first, "2026-05-03"), (second, "2026-05-04")]
    assert [e for e in found if e["uuid"] == second] == city.events(second)


def test_bridges_get_cjj99_class_and_class_by_type(city: registry.Registry) -> None:
    bridges = gpd.GeoDataFrame(
        {"name": ["民心河桥", "中山路天桥"], "bridge_type": ["river", "footbridge"],
         "bci": [72.5, 45.0]},
        geometry=[shapely.box(114.45, 38.05, 114.451, 38.0505),
                  shapely.LineString([(114.52, 38.04), (114.5202, 38.0403)])], crs=4490)
    added = city.add("bridges", bridges, Change(who="x"))
    assert added["condition_class"].tolist() == ["C", "E"]
    assert [c[6:10] for c in added["gbt_code"]] == ["0208", "0205"]


def test_gas_main_lengths_are_metres(city: registry.Registry) -> None:
    mains = gpd.GeoDataFrame({"material": ["pe"]}, crs=4490,
                             geometry=[shapely.LineString([(114.50, 38.04), (114.51, 38.04)])])
    city.add("gas_mains", mains, Change(who="x"))
    stats = city.stats()
    total = stats[(stats["layer"] == "gas_mains") & (stats["grid_code"].str.contains("all"))]
    assert total["km"].iloc[0] == pytest.approx(0.878, abs=0.001)


def test_bad_records_are_refused_whole_with_row_field_and_value(city: registry.Registry) -> None:
    bad = gpd.GeoDataFrame(
        {"source_id": ["N1", "N2", "N3", "N3", "YS-000"],
         "depth_m": [1.0, 99.0, 1.0, 1.0, 1.0], "grate_type": ["flat", "flat", "round", None, None]},
        geometry=[shapely.Point(114.5, 38.05), shapely.Point(114.5, 38.06),
                  shapely.Point(100.0, 30.0), shapely.Point(114.5, 38.07),
                  shapely.Point(114.5, 38.08)], crs=4490)
    with pytest.raises(RecordErrors) as caught:
        city.add("drains", bad, Change(who="x"))
    seen = {(p["row"], p["field"], p["reason"].split(" (")[0]) for p in caught.value.problems}
    assert seen == {
        (1, "depth_m", "above the maximum 10 m"),
        (2, "grate_type", "not one of flat, vertical, combined"),
        (2, "geometry", "outside the registry's area"),
        (3, "source_id", "source id repeated"),
        (4, "source_id", "source id already in the registry"),
    }
    assert "row 1, field depth_m, value 99.0" in str(caught.value)
    assert city.count(Query("drains")) == 200
    fresh = city.add("drains", bad.iloc[[0]], Change(who="x"))
    assert fresh["gbt_code"].iloc[0] == "1301020104000201"  # no serial was spent on the failure


def test_geometry_of_the_wrong_type_or_invalid_is_refused(city: registry.Registry) -> None:
    bowtie = shapely.Polygon([(114.5, 38.0), (114.51, 38.01), (114.51, 38.0), (114.5, 38.01)])
    frame = gpd.GeoDataFrame({"bridge_type": ["river", "river"]}, crs=4490,
                             geometry=[shapely.MultiPoint([(114.5, 38.05), (114.6, 38.05)]), bowtie])
    reasons = [p["reason"] for p in city.problems("bridges", frame)]
    # A bridge may be a point (issue 13), never a scatter of them.
    assert reasons[0] == ("a MultiPoint; layer bridges takes Polygon, MultiPolygon, LineString, "
                          "MultiLineString, Point")
    assert reasons[1].startswith("invalid geometry: Self-intersection")


def test_unknown_layer_field_and_asset_are_clear_errors(city: registry.Registry) -> None:
    with pytest.raises(NotFound, match="unknown layer 'sewers'"):
        city.query(Query("sewers"))
    with pytest.raises(InvalidInput, match="unknown field 'colour'"):
        city.query(Query("drains", where="colour = 'red'"))
    frame = gpd.GeoDataFrame({"colour": ["red"]}, geometry=[shapely.Point(114.5, 38.05)],
                             crs=4490)
    with pytest.raises(InvalidInput, match="layer drains has no field 'colour'"):
        city.add("drains", frame, Change(who="x"))
    with pytest.raises(NotFound):
        city.update("7d9d0b7e-0000-0000-0000-000000000000", {"condition": 2},
                    change=Change(who="x"))


def test_a_failed_transaction_leaves_nothing(city: registry.Registry) -> None:
    extra = gpd.GeoDataFrame({"depth_m": [1.0]}, geometry=[shapely.Point(114.5, 38.05)],
                             crs=4490)
    with pytest.raises(RuntimeError):
        with city.transaction():
            city.add("drains", extra, Change(who="x"))
            raise RuntimeError("killed half-way")
    assert city.count(Query("drains")) == 200


def test_surveys_in_other_crs_are_stored_in_cgcs2000(city: registry.Registry) -> None:
    gk = gpd.GeoDataFrame({"depth_m": [1.0]}, crs=4547,
                          geometry=[shapely.Point(543_900.0, 4_210_700.0)])
    stored = city.add("drains", gk, Change(who="x")).geometry.iloc[0]
    # 43.9 km east of the 114° E central meridian, 4,210.7 km north of the equator.
    assert stored.x == pytest.approx(114.500, abs=1e-3)
    assert stored.y == pytest.approx(38.028, abs=1e-3)


def test_changing_grids_reassigns_assets(city: registry.Registry) -> None:
    west = city.query(Query("grids", where="grid_code = '130102001'"))["uuid"].iloc[0]
    city.update(west, geometry=shapely.box(114.40, 38.00, 114.55, 38.10),
                change=Change(who="planner", why="grid boundary moved"))
    moved = city.query(Query("drains", bbox=(114.5, 38.0, 114.549, 38.1)))
    assert set(moved["grid_code"]) == {"130102001"}
    assert moved["version"].min() == 2


def test_documents_keep_versions_and_refuse_stale_saves(city: registry.Registry) -> None:
    change = Change(who="planner")
    assert city.save_document("plan", "P-1", {"title": "民心河清淤", "assets": ["a"]}, change,
                              expected_version=0) == 1
    with pytest.raises(Conflict, match="plan P-1 already exists"):
        city.save_document("plan", "P-1", {"title": "again"}, change, expected_version=0)
    assert city.save_document("plan", "P-1", {"title": "民心河清淤 二期"}, change,
                              expected_version=1) == 2
    with pytest.raises(Conflict, match="version 2, not 1"):
        city.save_document("plan", "P-1", {"title": "stale"}, change, expected_version=1)
    stored = city.document("plan", "P-1")
    assert (stored["version"], stored["body"]) == (2, {"title": "民心河清淤 二期"})
    assert [d["key"] for d in city.documents("plan")] == ["P-1"]
    with pytest.raises(NotFound, match="no plan P-2"):
        city.document("plan", "P-2")


def test_the_journal_is_append_only_and_ordered(city: registry.Registry) -> None:
    for step in ("立案", "派遣", "处置"):
        city.append_journal("case", "C-7", {"to": step}, Change(who="值班长"))
    city.append_journal("case", "C-8", {"to": "立案"}, Change(who="值班长"))
    assert [e["entry"]["to"] for e in city.journal("case", "C-7")] == ["立案", "派遣", "处置"]
    assert len(city.journal("case")) == 4 and city.journal("case")[0]["who"] == "值班长"


def test_the_journal_answers_who_since_what_and_the_newest(city: registry.Registry) -> None:
    days = [f"2026-11-0{d}" for d in range(1, 7)]
    for i, day in enumerate(days):
        city.append_journal("audit", f"user:{i}", {"action": "login" if i % 2 else "import"},
                            Change(who="王工" if i < 3 else "李工",
                                   at=datetime.fromisoformat(f"{day}T09:00:00+00:00")))

    def days_of(**filters: object) -> list[str]:
        return [e["at"][:10] for e in city.journal("audit", **filters)]
    assert days_of(who="李工") == days[3:]
    assert days_of(since="2026-11-05") == days[4:]
    assert days_of(match={"action": "login"}) == days[1::2]
    assert days_of(latest=2) == days[4:]                            # oldest first, as always
    assert days_of(who="王工", match={"action": "import"}, latest=1) == [days[2]]


def test_extent_covers_the_layer(city: registry.Registry, origin: tuple) -> None:
    x0, y0 = origin
    minx, miny, maxx, maxy = city.extent("drains")
    assert (minx, miny) == pytest.approx((x0, y0), abs=1e-6)
    assert (maxx, maxy) == pytest.approx((x0 + 0.095, y0 + 0.045), abs=1e-6)
    assert city.extent("bridges") is None


def test_properties_limit_the_columns_returned(city: registry.Registry) -> None:
    found = city.query(Query("drains", where="condition = 5", properties=["condition"], limit=3))
    assert list(found.columns) == ["uuid", "condition", "geometry"]
    assert found["condition"].tolist() == [5, 5, 5]
    with pytest.raises(InvalidInput, match="no property 'colour'"):
        city.query(Query("drains", properties=["colour"]))


def test_a_box_over_points_is_exact_at_its_edges(city: registry.Registry, origin: tuple) -> None:
    """The R*Tree stores float32 boxes; a point a hair outside the box is still outside."""
    x0, y0 = origin
    just_outside = (x0 + 1e-9, y0 - 1e-4, x0 + 0.001, y0 + 1e-4)
    assert city.count(Query("drains", bbox=just_outside)) == 0
    assert city.query(Query("drains", bbox=just_outside, limit=5)).empty
    on_edge = (x0, y0 - 1e-4, x0 + 0.001, y0 + 1e-4)
    assert city.count(Query("drains", bbox=on_edge)) == 1


def test_an_edit_checks_only_what_it_changes(city: registry.Registry) -> None:
    """A bridge's type is required: an edit that leaves it out is fine, one that blanks it is not."""
    bridges = gpd.GeoDataFrame({"bridge_type": ["river"], "bci": [95.0]}, crs=4490,
                               geometry=[shapely.box(114.45, 38.05, 114.451, 38.0505)])
    uuid = city.add("bridges", bridges, Change(who="x"))["uuid"].iloc[0]
    after = city.update(uuid, {"bci": 61.0}, change=Change(who="inspector"))["properties"]
    assert (after["bci"], after["condition_class"], after["version"]) == (61.0, "D", 2)
    with pytest.raises(RecordErrors, match="field bridge_type, value None: required"):
        city.update(uuid, {"bridge_type": None}, change=Change(who="x"))


def test_centres_are_the_assets_positions(city: registry.Registry, origin: tuple) -> None:
    x0, y0 = origin
    box = (x0 - 1e-4, y0 - 1e-4, x0 + 0.0101, y0 + 0.0101)
    centres = city.centres(Query("drains", bbox=box, where="condition >= 2"))
    found = city.query(Query("drains", bbox=box, where="condition >= 2"))
    expected = np.array(sorted(zip(found.geometry.x, found.geometry.y)))
    assert len(centres) == 6
    assert np.abs(np.array(sorted(map(tuple, centres))) - expected).max() < 1e-5


#: The frame every query answers on the drains layer: columns in order and their dtypes.
DRAIN_FRAME = {
    "uuid": "object", "gbt_code": "object", "source_id": "object", "grid_code": "object",
    "state": "object", "version": "Int64", "created_at": "object", "updated_at": "object",
    "retired_at": "object", "grate_type": "object", "grate_material": "object",
    "material": "object", "depth_m": "float64", "outfall_pipe_mm": "Int64",
    "road_name": "object", "install_year": "Int64", "condition": "Int64",
    "last_cleaned": "object", "source_attributes": "object", "geometry": "geometry"}


@pytest.mark.parametrize("criteria", [{}, {"bbox": (0.0, 0.0, 1.0, 1.0)}, {"limit": 7},
                                      {"where": "condition >= 4", "limit": 5, "offset": 3}])
def test_every_query_answers_the_same_frame(city: registry.Registry, criteria: dict) -> None:
    found = city.query(Query("drains", **criteria))
    assert isinstance(found, gpd.GeoDataFrame) and found.geometry.name == "geometry"
    assert found.dtypes.astype(str).to_dict() == DRAIN_FRAME
    assert list(found.columns) == list(DRAIN_FRAME) and found.crs.to_epsg() == 4490
    assert found.index.equals(pd.RangeIndex(len(found)))
    assert found["depth_m"].isna().sum() == 0 and found["outfall_pipe_mm"].isna().all()


def test_distance_comes_after_the_geometry(city: registry.Registry, origin: tuple) -> None:
    near = shapely.Point(origin[0] + 1e-4, origin[1] + 1e-4)
    for query in (Query("drains", nearest=near, k=3, properties=["condition"]),
                  Query("drains", geometry=near, distance_m=600, properties=["condition"])):
        found = city.query(query)
        assert list(found.columns) == ["uuid", "condition", "geometry", "distance_m"]
        assert found.dtypes.astype(str).tolist() == ["object", "Int64", "geometry", "float64"]


def test_a_page_is_the_same_read_sorted_or_unsorted(city: registry.Registry, origin: tuple) -> None:
    """Small pages are sorted after reading, large ones in SQL: both answer the same rows."""
    x0, y0 = origin
    box = (x0 - 1e-4, y0 - 1e-4, x0 + 0.05, y0 + 0.03)
    every = city.query(Query("drains", bbox=box))["source_id"].tolist()
    assert len(every) == 77 and every == sorted(every)
    for limit, offset in [(10, 0), (10, 70), (5000, 3), (None, 40), (0, 0)]:
        page = city.query(Query("drains", bbox=box, limit=limit, offset=offset))
        end = None if limit is None else offset + limit
        assert page["source_id"].tolist() == every[offset:end]
