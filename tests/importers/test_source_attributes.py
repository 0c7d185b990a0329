"""Nothing delivered is lost: every imported record keeps all of its source attributes,
verbatim, on a real GeoPackage and a real PostGIS registry."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyogrio
import pytest
import shapely

import registry
from importers.pipeline import import_survey
from registry import Change, Query
from registry.errors import InvalidInput

HEADER = "编号,经度,纬度,井深,备注,施工单位,XCOORD"
ROWS = ["YS001,114.5012,38.0401,1.20,井盖松动,河北建工集团,500123.50",
        "YS002,114.5031,38.0422,0.95,,河北建工集团,500290",
        "YS003,114.5050,38.0443,1.5,\"雨后积水, 需清掏\",石家庄市政,0500301.0"]
CAMBRIDGE = dict(county="250017", metric_srid=26986, extent=(-71.2, 42.3, -71.0, 42.5))


def write_survey(folder: Path, rows: list[str], name: str = "收水井普查.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def stored(reg: registry.Registry, layer: str = "drains") -> dict[str, dict]:
    """Each asset's source attributes (parsed, key order kept) by source id."""
    frame = reg.query(Query(layer, include_retired=True))
    return {sid: json.loads(text) if text else None
            for sid, text in zip(frame["source_id"], frame["source_attributes"])}


@pytest.fixture
def city(registry_url: str) -> registry.Registry:
    reg = registry.create(registry_url, county="130102")
    yield reg
    reg.close()


def test_unknown_columns_are_kept_with_the_record_as_read(city, tmp_path) -> None:
    survey = write_survey(tmp_path, ROWS)
    report = import_survey(city, survey, "drains", who="王工")
    assert (report.accepted, report.rejected) == (3, 0)
    assert {"备注", "施工单位", "XCOORD"} <= set(report.unmapped)
    expected = pd.read_csv(survey, dtype=str, keep_default_na=False, na_values=[""])
    kept = stored(city)
    for row in expected.to_dict("records"):
        attributes = kept[row["编号"]]
        assert list(attributes) == HEADER.split(",")  # names, in the file's order
        for name, value in row.items():  # raw text, field by field: "1.20", "0500301.0"
            assert attributes[name] == (None if pd.isna(value) else value), name
    assert kept["YS003"]["备注"] == "雨后积水, 需清掏"
    assert kept["YS001"]["井深"] == "1.20"
    # the mapped field is normalised; its raw value stays in the source attributes
    depth = city.query(Query("drains", where="source_id = 'YS001'"))["depth_m"].iloc[0]
    assert depth == 1.2


def test_a_change_in_an_unmapped_column_is_a_new_version(city, tmp_path) -> None:
    import_survey(city, write_survey(tmp_path, ROWS), "drains", who="王工")
    again = import_survey(city, write_survey(tmp_path, ROWS), "drains", who="王工")
    assert (again.updated, again.unchanged) == (0, 3)  # the identical file changes nothing
    changed = [ROWS[0].replace("井盖松动", "井盖已更换"), *ROWS[1:]]
    report = import_survey(city, write_survey(tmp_path, changed), "drains", who="李工")
    assert (report.updated, report.unchanged) == (1, 2)
    uuid = city.query(Query("drains", where="source_id = 'YS001'"))["uuid"].iloc[0]
    versions = city.history(uuid)["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["who"] == "李工"
    assert versions[1]["changes"] == {"source_attributes.备注": ["井盖松动", "井盖已更换"]}
    assert json.loads(versions[0]["state"]["source_attributes"])["备注"] == "井盖松动"
    assert stored(city)["YS001"]["备注"] == "井盖已更换"


def test_typed_values_are_kept_json_safe(city, tmp_path) -> None:
    """A GeoPackage survey with numbers, a missing float, dates and timestamps."""
    survey = gpd.GeoDataFrame(
        {"SID": ["T1", "T2"], "MS": [1.25, np.nan], "GS": [3, 4],
         "JCRQ": pd.to_datetime(["2021-03-04", "2022-11-30"]),
         "XGSJ": pd.to_datetime(["2024-05-06 07:08:09", "2024-05-07 10:11:12"]),
         "YES": [True, False]},
        geometry=[shapely.Point(114.5, 38.04), shapely.Point(114.51, 38.05)], crs=4490)
    path = tmp_path / "typed.gpkg"
    pyogrio.write_dataframe(survey, path, layer="drains")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nSID = "source_id"\n', encoding="utf-8")
    assert import_survey(city, path, "drains", who="王工", mapping=mapping).accepted == 2
    kept = stored(city)
    # GeoPackage DATETIME is UTC by its standard, and GDAL reads it so
    assert kept["T1"] == {"SID": "T1", "MS": 1.25, "GS": 3, "JCRQ": "2021-03-04T00:00:00+00:00",
                          "XGSJ": "2024-05-06T07:08:09+00:00", "YES": True}
    assert kept["T2"]["MS"] is None and kept["T2"]["YES"] is False


def test_the_cambridge_lights_keep_every_source_column(registry_url, tmp_path,
                                                        shared_data) -> None:
    reg = registry.create(registry_url, **CAMBRIDGE)
    path = shared_data / "cambridge_ma/INFRA_StreetLights.geojson"
    report = import_survey(reg, path, "lamp_posts", who="王工")
    assert report.accepted == 6116  # one probable duplicate held, as without this change
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    columns = list(pyogrio.read_info(path)["fields"])
    kept = reg.query(Query("lamp_posts"))
    by_id = dict(zip(kept["source_id"], kept["source_attributes"]))
    seen = 0
    for feature in features:
        text = by_id.get(feature["properties"]["PoleID"])
        if text is None:
            continue
        attributes = json.loads(text)
        assert list(attributes) == columns
        given = {k: v for k, v in feature["properties"].items() if v is not None}
        assert {k: v for k, v in attributes.items() if v is not None} == given
        seen += 1
    assert seen == 6116
    reg.close()


def test_assets_not_imported_have_none_and_edits_cannot_forge_them(city) -> None:
    drains = gpd.GeoDataFrame({"depth_m": [1.2]}, geometry=[shapely.Point(114.5, 38.04)],
                              crs=4490)
    uuid = city.add("drains", drains, Change(who="王工"))["uuid"].iloc[0]
    assert city.get(uuid)["properties"]["source_attributes"] is None
    with pytest.raises(InvalidInput, match="source attributes are what the survey delivered"):
        city.update(uuid, {"source_attributes": '{"备注": "x"}'}, change=Change(who="王工"))
    bad = drains.assign(source_attributes=["not json"])
    problems = city.problems("drains", bad)
    assert [(p["field"], p["reason"]) for p in problems] == [
        ("source_attributes", "not a JSON object of source attributes")]


def downgrade(url: str) -> None:
    """Make a registry what the schema before source attributes and archives left: no
    source_attributes column, no survey_files table, migrations 1-3 only."""
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            conn.execute("DROP TABLE survey_files; DELETE FROM infracensus_migrations "
                         "WHERE version > 3")
            for (table,) in conn.execute("SELECT table_name FROM information_schema.columns "
                                         "WHERE column_name = 'source_attributes'").fetchall():
                conn.execute(f'ALTER TABLE "{table}" DROP COLUMN source_attributes')
        return
    conn = sqlite3.connect(url)
    conn.executescript("DROP TABLE survey_files; DELETE FROM infracensus_migrations "
                       "WHERE version > 3; DELETE FROM gpkg_contents "
                       "WHERE table_name = 'survey_files';")
    for (table,) in conn.execute("SELECT table_name FROM gpkg_contents "
                                 "WHERE data_type = 'features'").fetchall():
        conn.execute(f'ALTER TABLE "{table}" DROP COLUMN source_attributes')
    conn.commit()
    conn.close()


def columns_of(url: str, table: str) -> list[str]:
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            return [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position", (table,))]
    return [r[1] for r in sqlite3.connect(url).execute(f'PRAGMA table_info("{table}")')]


def test_an_older_registry_gains_the_column_and_its_assets_their_attributes(
        registry_url, tmp_path) -> None:
    reg = registry.create(registry_url, county="130102")
    survey = write_survey(tmp_path, ROWS)
    import_survey(reg, survey, "drains", who="王工")
    reg.close()
    downgrade(registry_url)
    assert "source_attributes" not in columns_of(registry_url, "drains")
    old = registry.open(registry_url)
    for layer in old.layers:
        assert columns_of(registry_url, layer)[-1] == "source_attributes", layer
    migrated = old.storage.migrate()
    assert migrated == []  # opening did it, once
    assert stored(old) == {"YS001": None, "YS002": None, "YS003": None}  # nothing invented
    assert old.count(Query("drains")) == 3
    report = import_survey(old, survey, "drains", who="王工")
    assert (report.updated, report.unchanged) == (3, 0)  # they gain what the file says
    assert stored(old)["YS001"]["施工单位"] == "河北建工集团"
    assert import_survey(old, survey, "drains", who="王工").unchanged == 3
    old.close()
