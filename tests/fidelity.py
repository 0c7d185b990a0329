"""How faithfully surveys go in: per survey, records read, accepted, flagged and rejected, the
columns mapped to the field they were meant for, and the accepted records whose every source
attribute is kept verbatim in the registry.

The surveys are the demo's six contractor deliveries, realistic trap files made here (pinyin
codes, unit-suffixed headers, status words, grate materials, ArcGIS XCOORD columns, text
coordinates, point bridges, 上午/下午 dates, destroyed GBK text) and the real Cambridge MA
layers of ``shared/data/real``. `tests/importers/test_fidelity.py` asserts the table; the
README's "fidelity" table is its output::

    PYTHONPATH=.:tests .venv/bin/python tests/fidelity.py
"""
from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import geopandas as gpd
import pandas as pd
import shapely

import registry
from importers.demo_schema import id_header
from importers.demo_surveys import write_demo_surveys
from importers.pipeline import import_survey, source_attributes
from importers.sources import read_survey
from registry import Query

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "cambridge_ma"
CAMBRIDGE = dict(county="250017", metric_srid=26986, extent=(-71.2, 42.3, -71.0, 42.5))
READING = ("encoding", "crs", "coords", "gpkg_layer", "xy")


@dataclass
class Fidelity:
    """One survey's line of the table."""

    survey: str
    layer: str
    records: int
    accepted: int
    flagged: int
    rejected: int
    held: int
    mapped: int
    meant: int
    kept: int
    written: int

    def row(self) -> str:
        return (f"| {self.survey} | {self.layer} | {self.records:,} | {self.accepted:,} | "
                f"{self.flagged:,} | {self.rejected:,} | {self.held:,} | "
                f"{self.mapped} of {self.meant} | {self.kept:,} of {self.written:,} |")


HEADER = ("| survey | layer | read | accepted | flagged | rejected | held duplicates | "
          "columns mapped as meant | source attributes kept |\n|---|---|---|---|---|---|---|---|---|")


def measure(reg: registry.Registry, path: Path, layer: str, meant: dict[str, str],
            name: str | None = None, **options: Any) -> Fidelity:
    """Import `path` into a registry holding nothing else of `layer` and count what stayed."""
    report = import_survey(reg, path, layer, who="fidelity", **options)
    reading = {k: v for k, v in options.items() if k in READING}
    raw = read_survey(path, layer_name=reading.get("gpkg_layer"), encoding=reading.get("encoding"),
                      crs=reading.get("crs"), coords=reading.get("coords"), xy=reading.get("xy"),
                      extent=reg.settings.extent, target_srid=reg.settings.storage_srid)
    delivered = source_attributes(raw)
    problems = report.problem_table
    unwritten = set(problems.loc[problems["action"].isin(["rejected", "duplicate"]), "row"])
    expected = Counter(_canonical(delivered.drop(index=list(unwritten), errors="ignore")))
    stored = reg.query(Query(layer, properties=["source_attributes"]))["source_attributes"]
    kept = sum((expected & Counter(_canonical(stored.dropna()))).values())
    mapped = sum(report.columns.get(column) == field for column, field in meant.items())
    return Fidelity(name or path.name, layer, report.total, report.accepted + report.updated,
                    report.flagged, report.rejected, report.duplicates, mapped, len(meant),
                    kept, sum(expected.values()))


def _canonical(values: pd.Series) -> list[str]:
    """The JSON objects as one spelling each (the stored and the read text may differ in
    spacing, never in content or order)."""
    return [json.dumps(json.loads(v), ensure_ascii=False) for v in values]


# -- the demo's deliveries ------------------------------------------------------------------
def demo_rows(folder: Path, scale: float = 0.05) -> Iterator[Fidelity]:
    """The six demo surveys into one registry, in the order `infracensus demo` imports them;
    a column is meant for the field whose first alias (the demo's header) it carries."""
    manifest = write_demo_surveys(folder, seed=2026, scale=scale)
    reg = registry.create(folder / "demo.gpkg", county="130102")
    try:
        for entry in manifest:
            layer = reg.layers[entry["layer"]]
            meant = {f.aliases[0]: f.name for f in layer.fields if f.aliases and not f.derived}
            meant[id_header(layer.name)] = "source_id"
            path = folder / entry["file"]
            columns = set(read_survey(path, **_demo_reading(entry)).frame.columns)
            yield measure(reg, path, layer.name,
                          {c: f for c, f in meant.items() if c in columns},
                          f"demo {entry['file']}", **_demo_options(entry))
    finally:
        reg.close()


def _demo_reading(entry: dict[str, Any]) -> dict[str, Any]:
    options = entry.get("import", {})
    return {"layer_name": options.get("gpkg_layer"), "crs": options.get("crs"),
            "coords": options.get("coords")}


def _demo_options(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.get("import", {}).items() if k in READING}


# -- trap files made here -------------------------------------------------------------------
def trap_rows(folder: Path) -> Iterator[Fidelity]:
    """Each trap the intake issue names, in a file of its own, into a fresh registry."""
    for number, (name, make) in enumerate(TRAPS.items()):
        reg = registry.create(folder / f"trap{number}.gpkg", county="130102")
        try:
            path, layer, meant, options = make(folder)
            yield measure(reg, path, layer, meant, name, **options)
        finally:
            reg.close()


def _points(n: int) -> list[shapely.Point]:
    return [shapely.Point(114.50 + 0.001 * k, 38.04 + 0.0005 * k) for k in range(n)]


def _gas_pinyin(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    lines = [shapely.LineString([(114.50 + 0.001 * k, 38.04), (114.5008 + 0.001 * k, 38.04)])
             for k in range(4)]
    frame = gpd.GeoDataFrame({"GDBH": ["GM-1", "GM-2", "GM-3", "GM-4"],
                              "CZ": ["灰口铸铁", "PE", "钢", "球墨铸铁"],
                              "GJ": [100, 160, 150, 110], "YLJZ": ["低压", "低压", "中压B", "低压"],
                              "JSND": [1988, 2012, 2003, 1995],
                              "SSXQ": ["建华小区", "建华小区", "裕华小区", "裕华小区"],
                              "BZ": ["已复核", "", "待复核", ""]}, geometry=lines, crs=4490)
    path = folder / "庭院管道_拼音.gpkg"
    frame.to_file(path, engine="pyogrio")
    return path, "gas_mains", {"GDBH": "source_id", "CZ": "material", "GJ": "diameter_mm",
                               "YLJZ": "pressure_class", "JSND": "install_year",
                               "SSXQ": "courtyard"}, {}


def _drains_csv(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    """Unit-suffixed headers, status words, grate materials and ArcGIS XCOORD/YCOORD in
    Gauss-Krüger metres, one bad optional value per record or so."""
    frame = pd.DataFrame({
        "编号": ["YS-1", "YS-2", "YS-3", "YS-4"],
        "XCOORD": ["543800.5", "543890.2", "543950.9", "544010.0"],
        "YCOORD": ["4210345.1", "4210380.7", "4210420.3", "4210455.8"],
        "状态": ["完好", "破损", "丢失", "占用"], "材质": ["铸铁", "球墨铸铁", "铸铁", "复合材料"],
        "井深(英尺)": ["4", "3 furlongs", "5", "6"], "连接管管径(mm)": ["300", "225", "762/610", "300"],
        "施工单位": ["一公司", "一公司", "二公司", "二公司"]})
    path = folder / "收水井_XCOORD.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path, "drains", {"编号": "source_id", "状态": "state", "材质": "grate_material",
                            "井深(英尺)": "depth_m", "连接管管径(mm)": "outfall_pipe_mm"}, {}


def _lamps(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    frame = gpd.GeoDataFrame({"编号": ["LD-1", "LD-2", "LD-3"], "状态": ["正常", "不亮", "倾斜"],
                              "EditDate": ["2024-05-06 09:30:00"] * 3},
                             geometry=_points(3), crs=4490)
    path = folder / "路灯_状态.geojson"
    frame.to_file(path, engine="pyogrio", driver="GeoJSON")
    return path, "lamp_posts", {"编号": "source_id"}, {}


def _dates(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    frame = gpd.GeoDataFrame({"编号": ["YS-1", "YS-2", "YS-3"],
                              "清掏日期": ["2019/5/3 下午 3:20:00", "2020年6月1日",
                                       "2018/4/2 上午 9:05:00"]},
                             geometry=_points(3), crs=4490)
    path = folder / "收水井_清掏日期.geojson"
    frame.to_file(path, engine="pyogrio", driver="GeoJSON")
    return path, "drains", {"编号": "source_id", "清掏日期": "last_cleaned"}, {}


def _string_coordinates(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    features = [{"type": "Feature", "properties": {"编号": f"YS-{k}", "井深": "1.2"},
                 "geometry": {"type": "Point", "coordinates": [f"{114.5 + k / 1000:.4f}", "38.04"]}}
                for k in range(3)]
    path = folder / "收水井_文本坐标.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path, "drains", {"编号": "source_id", "井深": "depth_m"}, {}


def _point_bridges(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    frame = gpd.GeoDataFrame({"桥梁编号": ["QL-1", "QL-2"], "桥梁名称": ["民心桥", "胜利桥"],
                              "桥梁类型": ["跨河桥", "过街天桥"]}, geometry=_points(2), crs=4490)
    path = folder / "桥梁_点.geojson"
    frame.to_file(path, engine="pyogrio", driver="GeoJSON")
    return path, "bridges", {"桥梁编号": "source_id", "桥梁名称": "name",
                             "桥梁类型": "bridge_type"}, {}


def _destroyed_gbk(folder: Path) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    frame = gpd.GeoDataFrame({"编号": ["YS-1", "YS-2", "YS-3"],
                              "所在道路": ["建设大街", "锟斤拷锟斤拷大街", "中山路"]},
                             geometry=_points(3), crs=4490)
    path = folder / "收水井_锟斤拷.shp"
    frame.to_file(path, engine="pyogrio", encoding="GBK")
    path.with_suffix(".cpg").unlink()  # as Chinese deliveries come: GBK, no .cpg
    return path, "drains", {"编号": "source_id", "所在道路": "road_name"}, {}


TRAPS: dict[str, Callable[[Path], tuple[Path, str, dict[str, str], dict[str, Any]]]] = {
    "pinyin-coded gas mains (GeoPackage)": _gas_pinyin,
    "drains: XCOORD, unit headers, 状态, 材质 (CSV)": _drains_csv,
    "lamps: 正常/不亮/倾斜, an EditDate": _lamps,
    "drains: 上午/下午 and 年月日 dates": _dates,
    "drains: text coordinates (GeoJSON)": _string_coordinates,
    "bridges surveyed as points": _point_bridges,
    "drains: destroyed GBK text (shapefile)": _destroyed_gbk,
}


# -- the real Cambridge layers --------------------------------------------------------------
def cambridge_rows(folder: Path) -> Iterator[Fidelity]:
    """Cambridge MA's street lights and bridges in a registry whose grids are its 13
    neighbourhoods (mapped by hand: the names are English)."""
    reg = registry.create(folder / "cambridge.gpkg", **CAMBRIDGE)
    try:
        mapping = folder / "grids.toml"
        mapping.write_text('[fields]\nN_HOOD = "source_id"\nNAME = "name"\n', encoding="utf-8")
        yield measure(reg, SHARED / "BOUNDARY_CDDNeighborhoods.geojson", "grids",
                      {"N_HOOD": "source_id", "NAME": "name"}, "Cambridge neighbourhoods",
                      mapping=mapping)
        yield measure(reg, SHARED / "INFRA_StreetLights.geojson", "lamp_posts",
                      {"PoleID": "source_id", "NumLamps": "lamp_count", "StreetName": "road_name",
                       "Owner": "owner"}, "Cambridge street lights")
        yield measure(reg, SHARED / "BASEMAP_Bridges.geojson", "bridges", {},
                      "Cambridge bridges (no attributes but their ids)")
    finally:
        reg.close()


def fidelity_table(folder: Path) -> list[Fidelity]:
    """Every survey's line, demo first, then the traps, then Cambridge."""
    return [*demo_rows(folder / "demo"), *trap_rows(folder / "traps"),
            *cambridge_rows(folder / "cambridge")]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for part in ("demo", "traps", "cambridge"):
            (root / part).mkdir()
        rows = fidelity_table(root)
    print(HEADER)
    for line in rows:
        print(line.row())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
