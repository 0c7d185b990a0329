"""Coordinate columns as real inventories name them: ArcGIS's XCOORD/POINT_X, --x/--y, text.

Each survey is imported with `import_survey` into a real GeoPackage registry; the tests read
back the stored positions and the report's words.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

import registry
from importers.pipeline import import_survey
from registry import Query
from registry.errors import InvalidInput
from web.cli.main import cli

DRAINS = [("YS-001", 114.48, 38.03), ("YS-002", 114.52, 38.05), ("YS-003", 114.61, 37.99)]
TO_GK = Transformer.from_crs(4490, 4547, always_xy=True)


@pytest.fixture
def city(tmp_path: Path) -> registry.Registry:
    return registry.create(tmp_path / "city.gpkg", county="130102")


def stored(reg: registry.Registry, layer: str = "drains") -> dict[str, tuple[float, float]]:
    frame = reg.query(Query(layer))
    return {sid: (round(g.x, 7), round(g.y, 7)) for sid, g in zip(frame["source_id"], frame.geometry)}


def expected(rows=DRAINS) -> dict[str, tuple[float, float]]:
    return {sid: (lon, lat) for sid, lon, lat in rows}


def test_arcgis_xcoord_ycoord_in_gauss_kruger(tmp_path, city):
    east, north = TO_GK.transform([r[1] for r in DRAINS], [r[2] for r in DRAINS])
    lines = ["OBJECTID,ID,XCOORD,YCOORD,深度"] + [
        f"{i},{sid},{e:.3f},{n:.3f},1.2" for i, ((sid, _, _), e, n) in enumerate(zip(DRAINS, east, north))]
    path = tmp_path / "drains.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_survey(city, path, "drains", who="王工")
    assert (report.accepted, report.rejected) == (3, 0)
    assert report.crs == "EPSG:4547"
    assert np.allclose(list(stored(city).values()), list(expected().values()), atol=1e-7)
    assert "坐标系 CRS: EPSG:4547" in report.summary()


@pytest.mark.parametrize("x, y", [("POINT_X", "POINT_Y"), ("X_COORD", "Y_COORD"),
                                  ("EASTING", "NORTHING"), ("东坐标", "北坐标"), ("经度", "纬度")])
def test_arcgis_and_chinese_names_in_lonlat(tmp_path, city, x, y):
    rows = "\n".join(f"{sid},{lon},{lat}" for sid, lon, lat in DRAINS)
    path = tmp_path / "drains.csv"
    path.write_text(f"ID,{x},{y}\n{rows}\n", encoding="utf-8")
    report = import_survey(city, path, "drains", who="王工")
    assert (report.accepted, report.rejected, report.crs) == (3, 0, "EPSG:4490")
    assert stored(city) == expected()


def test_unrecognised_names_are_given_with_xy_and_strings_parse(tmp_path, city):
    # Excel keeps what the contractor typed: text cells, a decimal comma, full-width digits.
    frame = pd.DataFrame({"ID": ["YS-001", "YS-002", "YS-003"],
                          "横向": ["114.48", "114,52", "１１４.６１"],
                          "纵向": [" 38.03 ", "38,05", "37.99"]})
    path = tmp_path / "drains.xlsx"
    frame.to_excel(path, index=False)
    with pytest.raises(InvalidInput, match="no coordinate columns .*name them with --x/--y"):
        import_survey(city, path, "drains", who="王工")
    report = import_survey(city, path, "drains", who="王工", xy=("横向", "纵向"))
    assert (report.accepted, report.rejected) == (3, 0)
    assert stored(city) == expected()
    assert city.batches()[0]["options"]["xy"] == ["横向", "纵向"]


def test_a_comma_that_could_group_thousands_is_not_guessed(tmp_path, city):
    path = tmp_path / "drains.xlsx"
    pd.DataFrame({"ID": ["YS-001", "YS-002"], "X": ["114.48", "114,520"],
                  "Y": ["38.03", "38.05"]}).to_excel(path, index=False)
    report = import_survey(city, path, "drains", who="王工")
    assert (report.accepted, report.rejected) == (1, 1)
    assert ("row 2: X '114,520' could be 114.520 or 114520 (decimal comma or thousands "
            "separator); geometry left empty") in report.notes


def test_thousands_separators_in_gauss_kruger_text(tmp_path, city):
    east, north = TO_GK.transform([r[1] for r in DRAINS], [r[2] for r in DRAINS])
    path = tmp_path / "drains.csv"
    path.write_text("ID,POINT_X,POINT_Y\n" + "\n".join(
        f'{sid},"{e:,.3f}","{n:,.3f}"' for (sid, _, _), e, n in zip(DRAINS, east, north)) + "\n",
        encoding="utf-8")
    assert '"4,2' in path.read_text(encoding="utf-8")
    report = import_survey(city, path, "drains", who="王工")
    assert (report.accepted, report.crs) == (3, "EPSG:4547")
    assert np.allclose(list(stored(city).values()), list(expected().values()), atol=1e-7)


def test_two_pairs_of_coordinate_columns_say_which_was_used(tmp_path, city):
    east, north = TO_GK.transform([r[1] for r in DRAINS], [r[2] for r in DRAINS])
    path = tmp_path / "drains.csv"
    # lon/lat win over projected columns wherever they stand in the file.
    path.write_text("ID,XCOORD,经度,纬度,YCOORD\n" + "\n".join(
        f"{sid},{e:.3f},{lon},{lat},{n:.3f}"
        for (sid, lon, lat), e, n in zip(DRAINS, east, north)) + "\n", encoding="utf-8")
    report = import_survey(city, path, "drains", who="王工")
    assert ("geometry from 经度/纬度; other coordinate columns (XCOORD, YCOORD) kept as "
            "attributes (choose with --x/--y)") in report.notes
    chosen = import_survey(city, path, "drains", who="王工", xy=("XCOORD", "YCOORD"), dry_run=True)
    assert chosen.crs == "EPSG:4547" and chosen.unchanged == 3


def test_named_columns_that_are_missing_are_refused_with_the_columns(tmp_path, city):
    path = tmp_path / "drains.csv"
    path.write_text("ID,E,N\nYS-001,114.5,38.0\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"^drains.csv: no column 'XX' for x \(--x\); "
                                           r"columns: ID, E, N$"):
        import_survey(city, path, "drains", who="王工", xy=("XX", "N"))


@pytest.mark.parametrize("suffix", [".gpkg", ".dbf"])
def test_a_table_without_geometry_takes_its_coordinate_columns(tmp_path, city, suffix):
    frame = pd.DataFrame({"ID": [r[0] for r in DRAINS], "LON": [r[1] for r in DRAINS],
                          "LAT": [r[2] for r in DRAINS]})
    path = tmp_path / f"drains{suffix}"
    pyogrio.write_dataframe(frame, path)
    report = import_survey(city, path, "drains", who="王工", xy=("LON", "LAT"))
    assert (report.accepted, report.rejected) == (3, 0)
    assert stored(city) == expected()


def test_recognised_columns_of_a_geometryless_layer_are_used_and_said(tmp_path, city):
    frame = pd.DataFrame({"ID": [r[0] for r in DRAINS], "POINT_X": [r[1] for r in DRAINS],
                          "POINT_Y": [r[2] for r in DRAINS]})
    path = tmp_path / "drains.gpkg"
    pyogrio.write_dataframe(frame, path, layer="drains")
    report = import_survey(city, path, "drains", who="王工")
    assert report.accepted == 3 and stored(city) == expected()
    assert "drains.gpkg has no geometry: points from its columns POINT_X/POINT_Y" in report.notes


def test_xy_on_a_layer_with_geometry_is_refused(tmp_path, city):
    path = tmp_path / "drains.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"ID": ["a"], "LON": [114.5], "LAT": [38.0]},
                                             geometry=[shapely.Point(114.5, 38.0)], crs=4490), path)
    with pytest.raises(InvalidInput, match="the layer has geometry; --x/--y name coordinate "
                                           "columns only for tables and layers without geometry"):
        import_survey(city, path, "drains", who="王工", xy=("LON", "LAT"))


def test_cli_x_and_y(tmp_path, city):
    path = tmp_path / "drains.csv"
    path.write_text("ID,E,N\n" + "\n".join(f"{s},{x},{y}" for s, x, y in DRAINS) + "\n",
                    encoding="utf-8")
    runner = CliRunner()
    base = ["import", "-r", city.url, str(path), "--layer", "drains"]
    half = runner.invoke(cli, base + ["--x", "E"])
    assert half.exit_code == 2 and "--x and --y go together" in half.output
    done = runner.invoke(cli, base + ["--x", "E", "--y", "N"])
    assert done.exit_code == 0, done.output
    assert "新增 Accepted: 3" in done.output
    assert stored(registry.open(city.url)) == expected()
