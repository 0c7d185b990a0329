"""The delivered file is archived with its batch, and a batch is re-mapped from it, on a real
GeoPackage and a real PostGIS registry."""
from __future__ import annotations

import hashlib
import io
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import psycopg
import pyogrio
import pytest
import shapely

import registry
from importers.pipeline import import_survey
from importers.rebatch import rebatch
from importers.sources import checksum
from registry import Query
from registry.copying import copy_registry
from registry.errors import NotFound

#: H1 is a contractor's own code for the depth, which no name, alias or pinyin code matches.
SURVEY = ("编号,经度,纬度,H1,路名,备注\n"
          "YS001,114.5012,38.0401,1.2,中山路,井盖松动\n"
          "YS002,114.5031,38.0422,0.95,中山路,\n"
          "YS003,114.5050,38.0443,1.5,建设大街,积水\n")


@pytest.fixture
def city(registry_url: str) -> registry.Registry:
    reg = registry.create(registry_url, county="130102")
    yield reg
    reg.close()


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    path = tmp_path / "delivered" / "收水井.csv"
    path.parent.mkdir()
    path.write_text(SURVEY, encoding="utf-8")
    return path


def archive_rows(url: str) -> int:
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM survey_files").fetchone()[0]
    return sqlite3.connect(url).execute("SELECT count(*) FROM survey_files").fetchone()[0]


def test_the_delivered_bytes_are_archived_once_under_their_checksum(city, survey) -> None:
    first = import_survey(city, survey, "drains", who="王工")
    import_survey(city, survey, "drains", who="王工")  # the same file again
    batches = city.batches()
    assert len(batches) == 2 and {b["checksum"] for b in batches} == {checksum(survey)}
    archived = city.archived_file(batches[0]["checksum"])
    assert bytes(archived["content"]) == survey.read_bytes()
    assert hashlib.sha256(bytes(archived["content"])).hexdigest() == batches[0]["checksum"]
    assert (archived["file_name"], archived["packing"], archived["size"]) == \
        ("收水井.csv", "file", len(survey.read_bytes()))
    assert archive_rows(city.url) == 1
    assert first.batch == batches[1]["batch_uuid"]


def test_a_dry_run_archives_nothing(city, survey) -> None:
    import_survey(city, survey, "drains", who="王工", dry_run=True)
    assert archive_rows(city.url) == 0 and city.batches() == []


def test_a_shapefile_is_archived_with_its_sidecars(city, tmp_path) -> None:
    frame = gpd.GeoDataFrame({"BH": ["S1", "S2"], "MS": [1.1, 1.3], "BZ": ["新建", "改造"]},
                             geometry=[shapely.Point(114.5, 38.04), shapely.Point(114.51, 38.05)],
                             crs=4490)
    path = tmp_path / "雨水箅子.shp"
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    (tmp_path / "雨水箅子.shp.xml").write_text("<metadata/>", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nBH = "source_id"\n', encoding="utf-8")
    import_survey(city, path, "drains", who="王工", mapping=mapping)
    batch = city.batches()[0]
    archived = city.archived_file(batch["checksum"])
    assert archived["packing"] == "shapefile.zip"
    members = zipfile.ZipFile(io.BytesIO(bytes(archived["content"])))
    names = sorted(members.namelist())
    assert names == sorted(p.name for p in tmp_path.glob("雨水箅子.*"))
    assert {".shp", ".shx", ".dbf", ".prj", ".cpg", ".xml"} <= {Path(n).suffix for n in names}
    for name in names:
        assert members.read(name) == (tmp_path / name).read_bytes()
    parts = [members.read(f"雨水箅子{s}") for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    assert hashlib.sha256(b"".join(parts)).hexdigest() == batch["checksum"]


def test_a_batch_is_remapped_from_its_archive_onto_the_same_assets(city, survey,
                                                                    tmp_path) -> None:
    first = import_survey(city, survey, "drains", who="王工")
    assert "H1" in first.unmapped
    before = city.query(Query("drains"))
    assert before["depth_m"].isna().all()
    survey.unlink()  # the contractor's file is gone: the archive is all there is
    mapping = tmp_path / "承包商甲.toml"
    mapping.write_text('[fields]\nH1 = "depth_m"\n', encoding="utf-8")
    report = rebatch(city, first.batch[:8], who="李工", mapping=mapping)
    assert (report.accepted, report.updated, report.unchanged, report.rejected) == (0, 3, 0, 0)
    after = city.query(Query("drains")).set_index("source_id")
    assert after.loc[["YS001", "YS002", "YS003"], "depth_m"].tolist() == [1.2, 0.95, 1.5]
    assert set(after["uuid"]) == set(before["uuid"])  # the same assets, no new ones
    newest = city.batches()[0]
    assert newest["batch_uuid"] == report.batch != first.batch
    assert newest["options"]["rebatch_of"] == first.batch
    assert newest["options"]["mapping"] == str(mapping)
    assert newest["checksum"] == city.batches()[1]["checksum"]
    assert archive_rows(city.url) == 1
    version = city.history(after.loc["YS001", "uuid"])["versions"][-1]
    assert (version["version"], version["who"], version["ref"]) == (2, "李工", report.batch)
    assert version["why"] == f"survey import 收水井.csv re-mapped (batch {first.batch[:8]})"
    assert version["changes"] == {"depth_m": [None, 1.2]}
    again = rebatch(city, first.batch, who="李工", mapping=mapping)
    assert (again.updated, again.unchanged) == (0, 3)


def test_a_batch_without_an_archive_is_refused_by_name(city, survey) -> None:
    import_survey(city, survey, "drains", who="王工")
    batch = city.batches()[0]
    if city.url.startswith("postgresql"):
        with psycopg.connect(city.url) as conn:
            conn.execute("DELETE FROM survey_files")
    else:
        with sqlite3.connect(city.url) as conn:
            conn.execute("DELETE FROM survey_files")
    with pytest.raises(NotFound, match=f"batch {batch['batch_uuid'][:8]} \\(收水井.csv\\) has "
                                       "no archived file"):
        rebatch(city, batch["batch_uuid"], who="李工")
    with pytest.raises(NotFound, match="no import batch 'ffff'"):
        rebatch(city, "ffff", who="李工")


def test_a_copy_keeps_the_archived_bytes(city, survey, new_location) -> None:
    import_survey(city, survey, "drains", who="王工")
    target = new_location()
    checks = copy_registry(city.url, target)
    assert all(c.ok for c in checks)
    assert [c.rows for c in checks if c.table == "survey_files"] == [1]
    copied = registry.open(target)
    assert bytes(copied.archived_file(checksum(survey))["content"]) == survey.read_bytes()
    copied.close()


def test_a_field_the_new_mapping_leaves_out_is_kept_and_said(city, survey, tmp_path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[fields]\n备注 = "grate_material"\n', encoding="utf-8")
    first = import_survey(city, survey, "drains", who="王工", mapping=wrong)
    assert city.batches()[0]["options"]["columns"]["备注"] == "grate_material"
    right = tmp_path / "right.toml"
    right.write_text('[fields]\nH1 = "depth_m"\n', encoding="utf-8")
    report = rebatch(city, first.batch, who="李工", mapping=right, dry_run=True)
    assert report.notes[-1] == (f"grate_material: filled from column 备注 by batch "
                                f"{first.batch[:8]}, not mapped now: left as stored")
