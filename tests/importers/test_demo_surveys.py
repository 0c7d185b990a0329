"""The demo survey set: each file is written with the traps its manifest promises."""
from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import registry
from importers.demo_city import CITY_CRS, demo_city
from importers.demo_surveys import demo_surveys, write_demo_surveys
from importers.fields import map_fields
from importers.pipeline import import_survey
from importers.webcoords import gcj02_to_wgs84
from registry.layers import load_layers

SCALE = 0.1
#: Columns that carry coordinates, which the field mapping leaves to the reader.
COORDINATE_COLUMNS = {"经度", "纬度", "X", "Y"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    manifest = write_demo_surveys(out, seed=2026, scale=SCALE)
    return out, {entry["layer"]: entry for entry in manifest}


@pytest.fixture(scope="module")
def truth():
    """The surveys before writing: true positions in EPSG:4547."""
    surveys, _ = demo_surveys(demo_city(2026), 2026, SCALE)
    return {survey.layer: survey.frame for survey in surveys}


def read(out, entry, **options):
    return pyogrio.read_dataframe(out / entry["file"], **options)


def test_manifest_lists_the_surveys_in_import_order(demo):
    out, entries = demo
    assert list(entries) == ["grids", "drains", "lamp_posts", "bridges", "gas_mains",
                             "safety_valves"]
    written = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert written == list(entries.values())
    assert entries["lamp_posts"]["import"] == {"coords": "gcj02"}
    assert entries["bridges"]["import"] == {"gpkg_layer": "桥梁"}
    assert all(entries[name]["import"] == {} for name in ("grids", "drains", "gas_mains"))
    assert all((out / entry["file"]).exists() for entry in entries.values())


def test_headers_map_to_layer_fields_through_their_aliases(demo):
    out, entries = demo
    layers = load_layers()
    # The frames, not just the headers: 材质 on drains is told apart by its values.
    frames = {"grids": read(out, entries["grids"]),
              "drains": read(out, entries["drains"], encoding="gbk"),
              "lamp_posts": pd.read_csv(out / "lamp_posts.csv", encoding="gbk"),
              "bridges": read(out, entries["bridges"], layer="桥梁"),
              "gas_mains": read(out, entries["gas_mains"]),
              "safety_valves": pd.read_excel(out / "safety_valves.xlsx")}
    for layer, frame in frames.items():
        plan = map_fields(layers[layer], frame.drop(columns="geometry", errors="ignore"))
        assert set(plan.unmapped) <= COORDINATE_COLUMNS, layer
        assert "source_id" in plan.columns.values(), layer


def test_record_counts_match_the_manifest(demo):
    out, entries = demo
    counts = {"grids": len(read(out, entries["grids"])),
              "drains": len(read(out, entries["drains"], encoding="gbk")),
              "lamp_posts": len(pd.read_csv(out / "lamp_posts.csv", encoding="gbk")),
              "bridges": len(read(out, entries["bridges"], layer="桥梁")),
              "gas_mains": len(read(out, entries["gas_mains"])),
              "safety_valves": len(pd.read_excel(out / "safety_valves.xlsx"))}
    assert counts == {layer: entry["expect"]["records"] for layer, entry in entries.items()}
    assert counts["grids"] == 58


def test_grids_file_is_rfc7946_and_tiles_the_city(demo):
    out, entries = demo
    text = (out / "grids.geojson").read_text(encoding="utf-8")
    assert '"crs"' not in text and "建北街道" in text
    grids = read(out, entries["grids"]).to_crs(CITY_CRS).geometry.to_numpy()
    outline = demo_city(2026).outline
    assert shapely.union_all(grids).area == pytest.approx(outline.area, rel=1e-6)
    left, right = shapely.STRtree(grids).query(grids, predicate="intersects")
    overlap = shapely.area(shapely.intersection(grids[left[left < right]], grids[right[left < right]]))
    assert overlap.sum() < 5.0  # m²: only rounding to 7 decimals (≈ 1 cm) separates them


def test_drains_are_a_gbk_shapefile_without_cpg_or_prj_in_zone_38(demo):
    out, entries = demo
    assert sorted(p.suffix for p in out.glob("drains.*")) == [".dbf", ".shp", ".shx"]
    dbf = (out / "drains.dbf").read_bytes()
    assert "箅子类型".encode("gbk") in dbf and "所在道路".encode("gbk") in dbf
    assert "箅子类型".encode("utf-8") not in dbf
    naive = read(out, entries["drains"])
    assert naive.crs is None and "箅子类型" not in naive.columns  # GDAL guesses Latin-1
    x = read(out, entries["drains"], encoding="gbk").geometry.x
    assert ((x > 38_000_000) & (x < 39_000_000)).all()


def test_drains_carry_dirty_depths_duplicates_and_a_stray(demo):
    out, entries = demo
    drains = read(out, entries["drains"], encoding="gbk")
    depth = drains["井深"]
    assert {"<空>", "N/A"} <= set(depth) and depth.str.endswith("米").any()
    assert depth.str.fullmatch(r"\d\.\d").any()
    assert drains["编号"].duplicated().sum() == entries["drains"]["expect"]["rejected"] == 2
    xy = shapely.get_coordinates(drains.geometry)
    nearest = shapely.STRtree(drains.geometry.to_numpy()).query_nearest(
        drains.geometry.to_numpy(), exclusive=True, return_distance=True)[1]
    assert ((nearest < 0.5)).sum() == 2  # the probable duplicate pair, each the other's nearest
    outline = demo_city(2026).outline
    outside = shapely.distance(shapely.points(xy - [38_000_000, 0]), outline)
    assert (outside > 40_000).sum() == 1


def test_lamp_posts_are_a_gbk_csv_of_gcj02_web_map_picks(demo, truth):
    out, _ = demo
    raw = (out / "lamp_posts.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    lamps = pd.read_csv(out / "lamp_posts.csv", encoding="gbk")
    picked = gpd.GeoSeries(gpd.points_from_xy(lamps["经度"], lamps["纬度"]), crs="EPSG:4490")
    offset = picked.to_crs(CITY_CRS).distance(truth["lamp_posts"].geometry)
    assert offset.between(300, 700).all()
    lon, lat = gcj02_to_wgs84(lamps["经度"], lamps["纬度"])
    back = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4490").to_crs(CITY_CRS)
    assert back.distance(truth["lamp_posts"].geometry).max() < 0.5


def test_lamp_posts_have_chinese_values_and_a_few_bad_rows(demo):
    out, entries = demo
    lamps = pd.read_csv(out / "lamp_posts.csv", encoding="gbk", dtype=str)
    assert set(lamps["光源类型"]) == {"LED灯", "高压钠灯", "金卤灯"}
    assert lamps["功率"].str.fullmatch(r"\d+W|abc").all()
    assert lamps["灯杆高度"].str.fullmatch(r"\d+米|-3").all()
    bad = (lamps["功率"] == "abc") | (lamps["灯杆高度"] == "-3")
    assert bad.sum() == entries["lamp_posts"]["expect"]["flagged"] >= 2


def test_bridges_are_a_gpkg_in_4547_with_a_bow_tie_and_centre_lines(demo):
    out, entries = demo
    assert [name for name, _ in pyogrio.list_layers(out / "bridges.gpkg")] == ["桥梁", "河道"]
    bridges = read(out, entries["bridges"], layer="桥梁")
    assert bridges.crs == CITY_CRS
    assert bridges.geometry.bounds["minx"].between(100_000, 999_999).all()
    invalid = bridges[~bridges.is_valid]
    assert len(invalid) == 1 == entries["bridges"]["expect"]["warned"]
    assert shapely.is_valid_reason(invalid.geometry.iloc[0]).startswith("Self-intersection")
    assert set(bridges.geom_type) == {"Polygon", "LineString"}
    assert {"D", "E"} <= set(pd.cut(bridges["BCI"], [0, 50, 66, 80, 90, 100], right=False,
                                    labels=list("EDCBA")))


def test_gas_mains_are_legacy_geojson_naming_epsg_4490(demo):
    out, entries = demo
    document = json.loads((out / "gas_mains.geojson").read_text(encoding="utf-8"))
    assert document["crs"] == {"type": "name",
                               "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    lon, lat = document["features"][0]["geometry"]["coordinates"][0]
    assert 114.3 < lon < 114.7 and 37.9 < lat < 38.2
    mains = read(out, entries["gas_mains"])
    assert mains.crs == "EPSG:4490"
    assert set(mains["压力级制"]) == {"低压", "中压A", "中压B"}
    assert (mains["压力级制"] == "低压").mean() > 0.8


def test_gas_mains_have_swapped_pressure_labels(demo):
    out, entries = demo
    mains = read(out, entries["gas_mains"])
    a_at_b = (mains["压力级制"] == "中压A") & (mains["设计压力"] <= 0.2)
    b_at_a = (mains["压力级制"] == "中压B") & (mains["设计压力"] > 0.2)
    assert a_at_b.any() and b_at_a.any()
    assert (a_at_b | b_at_a).sum() == entries["gas_mains"]["expect"]["warned"]


def gaps_to_other_mains(lines: np.ndarray) -> np.ndarray:
    """Per line, the distance from each of its two ends to the nearest other line (inf past 5 m)."""
    ends = shapely.points(shapely.get_coordinates(lines).reshape(-1, 2, 2).reshape(-1, 2))
    end, line = shapely.STRtree(lines).query(ends, predicate="dwithin", distance=5.0)
    other = end // 2 != line
    gap = np.full(ends.size, np.inf)
    np.minimum.at(gap, end[other], shapely.distance(ends[end[other]], lines[line[other]]))
    return gap.reshape(-1, 2)


def test_gas_mains_share_junctions_with_near_misses_and_one_dangle(demo):
    out, entries = demo
    mains = read(out, entries["gas_mains"]).to_crs(CITY_CRS)
    gap = gaps_to_other_mains(mains.geometry.to_numpy())
    traps = " ".join(entries["gas_mains"]["traps"])
    assert (gap == 0).mean() > 0.5  # most ends are junctions shared exactly
    near_miss = ((gap >= 0.2) & (gap <= 2.0)).any(axis=1)
    assert mains.loc[near_miss, "管段编号"].tolist() == re.findall(r"GM-\d+(?= \d\.\d\d m)", traps)
    dangling = np.isinf(gap).all(axis=1)
    assert mains.loc[dangling, "管段编号"].tolist() == re.findall(r"GM-\d+(?= is a dangling)", traps)


def test_gas_mains_reach_112_km_at_scale_1():
    surveys, _ = demo_surveys(demo_city(2026), 2026, 1.0)
    mains = next(survey.frame for survey in surveys if survey.layer == "gas_mains")
    assert mains.crs == CITY_CRS
    assert mains.length.sum() == pytest.approx(112_000, rel=0.05)
    assert 120 <= mains["小区"].nunique() <= 180
    share = mains.length.groupby(mains["材质"]).sum() / mains.length.sum()
    assert share["灰口铸铁"] == pytest.approx(0.35, abs=0.06)
    assert mains["敷设年份"].between(1975, 2015).all()
    assert mains["管径"].between(50, 300).all()


def test_safety_valves_are_a_workbook_with_gk_xy_and_mixed_dates(demo):
    out, _ = demo
    valves = pd.read_excel(out / "safety_valves.xlsx", dtype={"安装日期": str})
    assert valves["X"].between(100_000, 999_999).all()
    assert valves["Y"].between(4_000_000, 4_300_000).all()
    assert set(valves["安装状态"]) == {"计划", "已安装", "已验收"}
    dated = valves["安装日期"].dropna()
    assert dated.str.fullmatch(r"\d{4}年\d{1,2}月").any()
    assert dated.str.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}").any()
    assert valves.loc[valves["安装状态"] == "计划", "安装日期"].isna().all()
    assert valves["阀门编号"].is_unique


def test_every_valve_belongs_to_a_building_with_enough_households(demo):
    out, _ = demo
    buildings = pyogrio.read_dataframe(out / "buildings.geojson")
    valves = pd.read_excel(out / "safety_valves.xlsx")
    per_building = valves.groupby(["小区", "楼栋"]).size().rename("valves").reset_index()
    joined = per_building.merge(buildings, on=["小区", "楼栋"], how="left")
    assert joined["供气户数"].notna().all()
    assert (joined["valves"] == joined["供气户数"]).all()


def test_the_same_seed_writes_the_same_content(tmp_path):
    first = write_demo_surveys(tmp_path / "a", seed=5, scale=0.03)
    again = write_demo_surveys(tmp_path / "b", seed=5, scale=0.03)
    other = write_demo_surveys(tmp_path / "c", seed=6, scale=0.03)
    assert first == again and first != other
    for name in ("grids.geojson", "gas_mains.geojson", "lamp_posts.csv", "buildings.geojson"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    for name, layer in (("drains.shp", None), ("bridges.gpkg", "桥梁")):
        a, b = (pyogrio.read_dataframe(tmp_path / d / name, layer=layer) for d in "ab")
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(pd.read_excel(tmp_path / "a" / "safety_valves.xlsx"),
                                  pd.read_excel(tmp_path / "b" / "safety_valves.xlsx"))


def test_each_import_report_says_what_the_manifest_expects(demo, tmp_path):
    """The demo's stated outcome per survey is what `infracensus demo` then prints."""
    out, entries = demo
    reg = registry.create(tmp_path / "city.gpkg", county="130100")
    for layer, entry in entries.items():
        report = import_survey(reg, out / entry["file"], layer, who="demo", **entry["import"])
        counts = report.counts()
        assert {"records": counts["total"], **{k: counts[k] for k in
                ("rejected", "flagged", "duplicates", "warned")}} == entry["expect"], layer
    sheet = pd.read_csv(out / "lamp_posts.csv", encoding="gbk", dtype=str)
    abc = sheet.loc[sheet["功率"] == "abc", "灯杆编号"].tolist()
    lamps = reg.query(registry.Query("lamp_posts")).set_index("source_id")
    assert len(lamps) == len(sheet) and abc
    assert lamps.loc[abc, "wattage_w"].isna().all()
    assert lamps.loc[abc, "pole_height_m"].notna().all()  # the rest of the post is kept
    stray = re.search(r"(YS-\d+) lies 50 km east", " ".join(entries["drains"]["traps"]))[1]
    found = reg.query(registry.Query("drains", where=f"source_id = '{stray}'"))
    assert found["grid_code"].tolist() == [None]
