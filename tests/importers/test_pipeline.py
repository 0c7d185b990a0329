"""The survey import pipeline on real files into a real GeoPackage and a real PostGIS registry."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import registry
from importers.pipeline import import_survey
from importers.report import write_rejects
from registry import Query

CAMBRIDGE = dict(county="250017", metric_srid=26986, extent=(-71.2, 42.3, -71.0, 42.5))
LAMP_ZEROS = [4050, 4101, 4114, 4143]  # rows whose NumLamps is 0


def latest_year() -> int:
    return pd.Timestamp.today().year + 1


@pytest.fixture
def cambridge(registry_url: str, tmp_path: Path, shared_data: Path) -> registry.Registry:
    """A Cambridge registry whose responsibility grids are the 13 neighbourhoods, on each
    storage backend."""
    reg = registry.create(registry_url, **CAMBRIDGE)
    mapping = tmp_path / "grids.toml"
    mapping.write_text('[fields]\nN_HOOD = "source_id"\nNAME = "name"\n', encoding="utf-8")
    report = import_survey(reg, shared_data / "cambridge_ma/BOUNDARY_CDDNeighborhoods.geojson",
                           "grids", who="王工", mapping=mapping)
    assert (report.accepted, report.rejected) == (13, 0)
    return reg


@pytest.fixture
def lights(shared_data: Path) -> Path:
    return shared_data / "cambridge_ma/INFRA_StreetLights.geojson"


def test_street_lights_import(cambridge, lights) -> None:
    report = import_survey(cambridge, lights, "lamp_posts", who="王工")
    assert report.counts() == {"total": 6117, "accepted": 6116, "updated": 0, "unchanged": 0,
                               "rejected": 0, "flagged": 0, "warned": 4, "duplicates": 1}
    corrected = report.problem_table[report.problem_table["action"] == "corrected"]
    assert corrected["row"].tolist() == LAMP_ZEROS
    assert set(corrected["reason"]) == {"0 read as unknown: lamp_count starts at 1"}
    assert report.problems[-1] == {
        "row": 5825, "field": "geometry", "value": "-71.084137, 42.362669",
        "reason": "within 1 m of row 3895 of this file", "action": "duplicate"}
    assert cambridge.count(Query("lamp_posts")) == 6116
    pole = cambridge.query(Query("lamp_posts", where="source_id = '791-2'")).iloc[0]
    assert (pole["road_name"], pole["lamp_count"], pole["grid_code"]) == ("SEAGRAVE", 1, "11")
    # EditDate (2014, the year the record was edited) is no install year.
    assert pd.isna(pole["install_year"])


def test_the_batch_is_recorded_with_its_provenance(cambridge, lights) -> None:
    report = import_survey(cambridge, lights, "lamp_posts", who="王工")
    batch = cambridge.batches()[0]
    assert batch["batch_uuid"] == report.batch
    assert (batch["file_name"], batch["who"], batch["layer"]) == \
        ("INFRA_StreetLights.geojson", "王工", "lamp_posts")
    assert (batch["encoding"], batch["crs"]) == ("utf-8", "EPSG:4326")
    assert batch["counts"]["accepted"] == 6116 and len(batch["checksum"]) == 64
    history = cambridge.history(cambridge.query(Query("lamp_posts", limit=1))["uuid"].iloc[0])
    assert history["versions"][0]["ref"] == report.batch


def test_summary_reads_in_chinese_and_english(cambridge, lights) -> None:
    summary = import_survey(cambridge, lights, "lamp_posts", who="王工", dry_run=True).summary()
    assert "新增 Accepted: 6116" in summary
    assert "疑似重复 Probable duplicates: 1" in summary
    assert "字段 Columns: PoleID → source_id" in summary
    assert summary.endswith("试运行 Dry run: nothing was written")


def test_mapping_file_adds_a_column_and_translates_its_values(cambridge, lights,
                                                             tmp_path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nLEDchk = "lamp_type"\n[values.lamp_type]\nYes = "LED"\n',
                       encoding="utf-8")
    import_survey(cambridge, lights, "lamp_posts", who="王工", mapping=mapping)
    stored = cambridge.query(Query("lamp_posts"))
    assert stored["lamp_type"].value_counts().to_dict() == {"LED": 5948}
    assert stored["lamp_type"].isna().sum() == 168


def test_rerunning_the_same_file_changes_nothing(cambridge, lights) -> None:
    import_survey(cambridge, lights, "lamp_posts", who="王工")
    stamp = cambridge.change_stamp()
    again = import_survey(cambridge, lights, "lamp_posts", who="王工")
    assert (again.accepted, again.updated, again.unchanged, again.duplicates) == (0, 0, 6116, 1)
    assert cambridge.change_stamp() == stamp
    assert cambridge.count(Query("lamp_posts")) == 6116


def test_reimport_updates_the_changed_tenth_and_leaves_the_rest(cambridge, lights,
                                                               tmp_path) -> None:
    import_survey(cambridge, lights, "lamp_posts", who="王工")
    survey = gpd.read_file(lights)
    tenth = survey.index % 10 == 0
    survey.loc[tenth, "StreetName"] = survey.loc[tenth, "StreetName"].fillna("") + " (RENAMED)"
    edited = tmp_path / "lights_2026.geojson"
    survey.to_file(edited, driver="GeoJSON")
    report = import_survey(cambridge, edited, "lamp_posts", who="李工")
    assert (report.accepted, report.updated, report.unchanged) == (0, 612, 5504)
    first = cambridge.query(Query("lamp_posts", where="source_id = '791-2'")).iloc[0]
    assert (first["road_name"], first["version"]) == ("SEAGRAVE (RENAMED)", 2)
    assert [v["who"] for v in cambridge.history(first["uuid"])["versions"]] == ["王工", "李工"]


def test_dry_run_reports_everything_and_writes_nothing(cambridge, lights) -> None:
    stamp = cambridge.change_stamp()
    report = import_survey(cambridge, lights, "lamp_posts", who="王工", dry_run=True)
    assert (report.accepted, report.warned, report.batch) == (6116, 4, None)
    assert cambridge.count(Query("lamp_posts")) == 0
    assert cambridge.change_stamp() == stamp
    assert [b["layer"] for b in cambridge.batches()] == ["grids"]


def test_a_failing_batch_leaves_the_registry_unchanged(cambridge, lights) -> None:
    stamp = cambridge.change_stamp()
    written = []

    def stop_after_the_first_step(done: int, total: int) -> None:
        written.append(done)
        raise KeyboardInterrupt  # the user pressed Ctrl-C half way

    with pytest.raises(KeyboardInterrupt):
        import_survey(cambridge, lights, "lamp_posts", who="王工",
                      progress=stop_after_the_first_step)
    assert written == [6116]  # every new record written, the batch not yet committed
    assert cambridge.count(Query("lamp_posts")) == 0
    assert cambridge.change_stamp() == stamp
    assert [b["layer"] for b in cambridge.batches()] == ["grids"]


def test_drainage_lines_exact_copies_are_probable_duplicates(cambridge, shared_data) -> None:
    # Drainage pipes stand in for gas mains: the only line layer without required fields.
    drainage = shared_data / "cambridge_ma/INFRA_Drainage.geojson"
    report = import_survey(cambridge, drainage, "gas_mains", who="王工")
    assert (report.accepted, report.duplicates, report.rejected) == (56, 81, 0)
    duplicates = report.problem_table[report.problem_table["action"] == "duplicate"]
    assert duplicates["reason"].str.fullmatch(r"within 1 m of row \d+ of this file").all()
    assert cambridge.count(Query("gas_mains")) == 56
    again = import_survey(cambridge, drainage, "gas_mains", who="王工")
    assert (again.accepted, again.unchanged, again.duplicates) == (0, 56, 81)


def test_accepting_duplicates_inserts_them(cambridge, shared_data) -> None:
    report = import_survey(cambridge, shared_data / "cambridge_ma/INFRA_Drainage.geojson",
                           "gas_mains", who="王工", accept_duplicates=True)
    assert (report.accepted, report.duplicates) == (137, 81)
    assert cambridge.count(Query("gas_mains")) == 137


def test_hydrants_reject_only_broken_ids_and_flag_bad_values(cambridge, shared_data,
                                                             tmp_path) -> None:
    """Repeated ids are rejected; an implausible year or an unknown status word is one bad
    value: the hydrant is kept with that field empty and flagged (it used to be rejected)."""
    mapping = tmp_path / "hydrants.toml"
    mapping.write_text('[fields]\nHYDRANT_ID = "source_id"\nINSTALLDATE = "install_date"\n'
                       'LIFECYCLESTATUS = "status"\n'
                       '[values.status]\nACT = "installed"\nMITFL = "planned"\n',
                       encoding="utf-8")
    report = import_survey(cambridge, shared_data / "cambridge_ma/INFRA_Hydrants.geojson",
                           "safety_valves", who="王工", mapping=mapping)
    assert (report.total, report.accepted, report.rejected, report.flagged, report.warned) == \
        (1960, 1954, 6, 5, 5)
    table = report.problem_table
    rejected, flagged = table[table["action"] == "rejected"], table[table["action"] == "flagged"]
    assert set(rejected["field"]) == {"source_id"}
    assert rejected[["row", "value", "reason"]].values.tolist()[0] == [
        1625, "9168", "source id repeated (first at row 1624)"]
    assert flagged[flagged["row"] == 1044].iloc[0].to_dict() == {
        "row": 1044, "field": "install_date", "value": -33418828800000.0,
        "reason": f"year 0911 is implausible (expected 1800–{latest_year()})",
        "action": "flagged"}
    assert (flagged["field"] == "status").sum() == 4
    assert cambridge.count(Query("safety_valves")) == 1954
    source = gpd.read_file(shared_data / "cambridge_ma/INFRA_Hydrants.geojson")
    year_0911 = source["HYDRANT_ID"].iloc[1044 - 1]
    stored = cambridge.query(Query("safety_valves", where=f"source_id = '{year_0911}'"))
    assert stored[["install_date", "status"]].values.tolist() == [[None, "installed"]]
    unknown_status = flagged.loc[flagged["field"] == "status", "row"].tolist()
    ids = source["HYDRANT_ID"].iloc[[r - 1 for r in unknown_status]].tolist()
    stored = cambridge.query(Query("safety_valves")).set_index("source_id").loc[ids]
    assert stored["status"].isna().all()
    assert cambridge.query(Query("safety_valves", where="source_id = 'PH6000'"))[
        "install_date"].tolist() == ["1874-01-01"]


def test_rejects_file_as_csv_for_excel_and_as_geojson(cambridge, shared_data, tmp_path) -> None:
    report = import_survey(cambridge, shared_data / "cambridge_ma/INFRA_Drainage.geojson",
                           "gas_mains", who="王工", dry_run=True)
    csv = write_rejects(report, tmp_path / "rejects.csv")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfrow,field,value,reason,action")
    assert len(pd.read_csv(csv, encoding="utf-8-sig")) == 81
    geojson = gpd.read_file(write_rejects(report, tmp_path / "rejects.geojson"))
    assert len(geojson) == 81 and geojson.geom_type.eq("LineString").all()
    assert geojson["reason"].iloc[0] == "within 1 m of row 19 of this file"


def gbk_gas_survey(folder: Path) -> Path:
    """A contractor's shapefile: GBK attributes, no .cpg, CGCS2000 GK CM 114°E coordinates."""
    lines = [shapely.LineString([(500000 + i * 50, 4210000), (500040 + i * 50, 4210010)])
             for i in range(4)]
    survey = gpd.GeoDataFrame({
        "管段编号": ["GM-001", "GM-002", "GM-003", "GM-004"],
        "材质": ["灰口铸铁", "PE管", "钢管", "木头"], "管径": ["DN100", "150mm", "DN80", "DN100"],
        "压力级制": ["中压B", "低压", "中压A", "低压"], "设计压力": [0.3, 0.005, 0.1, 0.01],
        "敷设年份": ["2005年5月", "1998", "0911", "2010"],
        "小区": ["建华小区", "裕华小区", "丰收小区", "建华小区"]}, geometry=lines, crs=4547)
    path = folder / "庭院管道.shp"
    survey.to_file(path, encoding="GBK", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def test_gbk_shapefile_without_cpg(tmp_path: Path) -> None:
    reg = registry.create(tmp_path / "sjz.gpkg", county="130102")
    report = import_survey(reg, gbk_gas_survey(tmp_path), "gas_mains", who="王工")
    assert report.encoding == "gb18030"
    assert report.crs == "EPSG:4547"
    # GM-004 says 低压 at 0.01 MPa: GB 50028 makes 0.01 MPa 中压B, so the class is left for review.
    assert (report.accepted, report.rejected, report.flagged, report.warned) == (4, 0, 2, 2)
    assert report.problem_table[["row", "field", "value", "action"]].values.tolist() == [
        [1, "pressure_class", "中压B", "corrected"],
        [3, "install_year", "0911", "flagged"],
        [3, "pressure_class", "中压A", "corrected"],
        [4, "material", "木头", "flagged"],
        [4, "pressure_class", "低压", "flagged"]]
    stored = reg.query(Query("gas_mains")).sort_values("source_id")
    assert stored[["source_id", "material", "diameter_mm", "pressure_class", "install_year",
                   "courtyard"]].astype(object).where(stored.notna(), None).values.tolist() == [
        ["GM-001", "grey_cast_iron", 100, "medium_a", 2005, "建华小区"],
        ["GM-002", "pe", 150, "low", 1998, "裕华小区"],
        ["GM-003", "steel", 80, "medium_b", None, "丰收小区"],
        ["GM-004", None, 100, None, 2010, "建华小区"]]
    assert reg.length_m(stored.geometry).round(1).tolist() == [41.2] * 4


def test_invalid_polygon_is_repaired_with_a_warning(cambridge, tmp_path) -> None:
    bowtie = shapely.Polygon([(-71.10, 42.37), (-71.09, 42.38), (-71.09, 42.37),
                              (-71.10, 42.38)])
    survey = gpd.GeoDataFrame({"NAME": ["Bowtie bridge"], "TYPE": ["RIVER BRIDGE"]},
                              geometry=[bowtie], crs=4326)
    path = tmp_path / "bridges.geojson"
    survey.to_file(path, driver="GeoJSON")
    report = import_survey(cambridge, path, "bridges", who="王工")
    assert (report.accepted, report.warned) == (1, 1)
    assert report.problems[0]["reason"] == "invalid geometry repaired (make_valid): check its shape"
    assert cambridge.query(Query("bridges")).geom_type.tolist() == ["MultiPolygon"]
