"""`infracensus import --plan`: the proposal a data manager reviews, and the mapping file it
writes, which imports exactly as proposed."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import registry
from registry import Query
from web.cli.main import cli

PLAN = """\
映射方案 Mapping plan: 庭院管道.gpkg → gas_mains (3 records)
编码 Encoding: utf-8 text decoded by GDAL as the format declares (UTF-8)
坐标系 CRS: EPSG:4547 declared: 庭院管道.gpkg says EPSG:4547
GDBH → source_id  [0.85]  pinyin initials GDBH = 管段编号
    样例 Samples: GM-001, GM-002, GM-003
CZ → material  [0.80]  pinyin initials CZ = 材质; values fit 67% (2 of 3); e.g. '灰口': not one of material's values (grey_cast_iron, ductile_iron, steel, pe, other)
    样例 Samples: 灰口铸铁, PE, 灰口
    值 Values: 灰口铸铁 → grey_cast_iron (1) · PE → pe (1) · 灰口 → ? unmatched (1)
管径(mm) → diameter_mm  [1.00]  Chinese name 管径; unit mm from the header; values fit 100% (3 of 3)
    样例 Samples: 100, 160, 150
埋深(英尺) → depth_m  [1.00]  Chinese name 埋深; unit 英尺 from the header; values fit 100% (3 of 3)
    样例 Samples: 4, 3, 5
YLJZ → pressure_class  [1.00]  pinyin initials YLJZ = 压力级制; values fit 100% (3 of 3)
    样例 Samples: 低压, 中压B
    值 Values: 低压 → low (2) · 中压B → medium_b (1)
JSND → install_year  [1.00]  pinyin initials JSND = 建设年代; values fit 100% (3 of 3)
    样例 Samples: 1988, 2012, 2003
SSXQ → courtyard  [0.85]  pinyin initials SSXQ = 所属小区
    样例 Samples: 建华小区, 裕华小区
EditDate → -  [0.00]  no field of the layer goes by this name
    样例 Samples: 2021-05-06 09:30:00
单位 Unit: 埋深(英尺) gives its plain numbers in 英尺; converted to m
"""


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    lines = [shapely.LineString([(500000 + i * 50, 4210000), (500040 + i * 50, 4210010)])
             for i in range(3)]
    frame = gpd.GeoDataFrame({
        "GDBH": ["GM-001", "GM-002", "GM-003"], "CZ": ["灰口铸铁", "PE", "灰口"],
        "管径(mm)": [100, 160, 150], "埋深(英尺)": [4, 3, 5], "YLJZ": ["低压", "低压", "中压B"],
        "JSND": [1988, 2012, 2003], "SSXQ": ["建华小区", "裕华小区", "建华小区"],
        "EditDate": ["2021-05-06 09:30:00"] * 3}, geometry=lines, crs=4547)
    path = tmp_path / "庭院管道.gpkg"
    frame.to_file(path, engine="pyogrio")
    return path


def new_registry(path: Path) -> str:
    registry.create(path, county="130102").close()
    return str(path)


def run(*args: str | Path) -> object:
    return CliRunner().invoke(cli, ["import", *map(str, args)])


def stored(url: str) -> pd.DataFrame:
    reg = registry.open(url)
    frame = reg.query(Query("gas_mains")).sort_values("source_id")
    return frame.drop(columns=["uuid", "created_at", "updated_at"]).reset_index(drop=True)


def test_plan_prints_the_proposal_and_writes_nothing(tmp_path, survey) -> None:
    city = new_registry(tmp_path / "city.gpkg")
    result = run("-r", city, survey, "--layer", "gas_mains", "--plan")
    assert result.exit_code == 0, result.output
    out = tmp_path / "庭院管道.mapping.toml"
    assert result.output == PLAN + (f"映射文件 Mapping file: {out} (edit it, then import with "
                                    f"--mapping {out})\n")
    assert registry.open(city).count(Query("gas_mains")) == 0
    text = out.read_text(encoding="utf-8")
    assert '"埋深(英尺)" = {field = "depth_m", unit = "英尺"}  # Chinese name 埋深;' in text
    assert '"EditDate" = ""  # no field of the layer goes by this name' in text
    assert ('# "灰口" = ""  # 1 record: not one of material\'s values; write one in and '
            'remove the #') in text


def test_plan_refuses_to_overwrite_a_mapping_file_by_default(tmp_path, survey) -> None:
    city = new_registry(tmp_path / "city.gpkg")
    (tmp_path / "庭院管道.mapping.toml").write_text("# edited\n", encoding="utf-8")
    result = run("-r", city, survey, "--layer", "gas_mains", "--plan")
    assert result.exit_code == 1
    assert "庭院管道.mapping.toml exists (perhaps already edited): name the new mapping file " \
           "with --plan-out" in result.output
    assert (tmp_path / "庭院管道.mapping.toml").read_text(encoding="utf-8") == "# edited\n"


def test_the_written_mapping_file_imports_as_proposed(tmp_path, survey) -> None:
    mapping = tmp_path / "contractor.toml"
    plain, mapped = new_registry(tmp_path / "a.gpkg"), new_registry(tmp_path / "b.gpkg")
    assert run("-r", plain, survey, "--layer", "gas_mains", "--plan-out", mapping).exit_code == 0
    assert run("-r", plain, survey, "--layer", "gas_mains").exit_code == 0
    result = run("-r", mapped, survey, "--layer", "gas_mains", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "字段 Columns: 埋深(英尺) → depth_m" in result.output
    pd.testing.assert_frame_equal(stored(plain), stored(mapped))
    # GM-003's unmatched 灰口 is the values check's business; its depth is 5 ft either way.
    kept = stored(mapped).set_index("source_id").loc[["GM-001", "GM-002"]]
    assert kept[["material", "depth_m", "install_year"]].astype(object).values.tolist() == [
        ["grey_cast_iron", 1.22, 1988], ["pe", 0.91, 2012]]


def test_an_edited_mapping_file_maps_the_unmatched_value(tmp_path, survey) -> None:
    mapping = tmp_path / "contractor.toml"
    city = new_registry(tmp_path / "city.gpkg")
    run("-r", city, survey, "--layer", "gas_mains", "--plan-out", mapping)
    edited = mapping.read_text(encoding="utf-8").replace('# "灰口" = ""', '"灰口" = "grey_cast_iron"')
    mapping.write_text(edited, encoding="utf-8")
    result = run("-r", city, survey, "--layer", "gas_mains", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert stored(city)[["source_id", "material", "depth_m"]].values.tolist() == [
        ["GM-001", "grey_cast_iron", 1.22], ["GM-002", "pe", 0.91],
        ["GM-003", "grey_cast_iron", 1.52]]


def test_plan_with_a_mapping_file_shows_its_word(tmp_path, survey) -> None:
    mapping = tmp_path / "contractor.toml"
    mapping.write_text('[fields]\nEditDate = ""\nCZ = "material"\n[values.material]\n'
                       '灰口 = "grey_cast_iron"\n', encoding="utf-8")
    city = new_registry(tmp_path / "city.gpkg")
    result = run("-r", city, survey, "--layer", "gas_mains", "--plan", "--mapping", mapping,
                 "--plan-out", tmp_path / "next.toml")
    assert result.exit_code == 0, result.output
    assert "CZ → material  [1.00]  mapping file; values fit 100% (3 of 3)\n" in result.output
    assert "值 Values: 灰口铸铁 → grey_cast_iron (1) · PE → pe (1) · 灰口 → grey_cast_iron (1)" \
        in result.output
    assert "EditDate → -  [0.00]  left unmapped by the mapping file\n" in result.output
    assert '"灰口" = "grey_cast_iron"' in (tmp_path / "next.toml").read_text(encoding="utf-8")
