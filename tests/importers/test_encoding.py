"""Encoding detection: the GBK .dbf without .cpg is the trap; .cpg and encoding= win."""
import geopandas as gpd
import pytest
import shapely

from importers.encoding import (detect_encoding, normalise_encoding, shapefile_encoding,
                                text_encoding)
from registry.errors import InvalidInput

NAMES = ["雨水箅子", "铸铁井盖", "长安区中山路", "燃气安全自闭阀"]


@pytest.fixture
def gbk_dbf(tmp_path):
    frame = gpd.GeoDataFrame({"名称": NAMES, "材质": ["铸铁", "球墨铸铁", "钢", "PE"]},
                             geometry=shapely.points([[114.5 + i / 100, 38.0] for i in range(4)]),
                             crs=4490)
    frame.to_file(tmp_path / "drains.shp", encoding="gbk", engine="pyogrio")
    (tmp_path / "drains.cpg").unlink()
    return tmp_path / "drains.dbf"


@pytest.mark.parametrize("encoding, expected", [
    ("gbk", "gb18030"), ("utf-8", "utf-8"), ("big5", "big5")])
def test_chinese_text_is_detected(encoding, expected):
    values = [t.encode(encoding) for t in ["長安區路燈", "中山路", "燃氣閥門", "橋梁"]]
    assert detect_encoding(values).encoding == expected


def test_accented_latin_text_is_latin1_and_mojibake_is_not():
    assert detect_encoding([b"Caf\xe9", "Müller Straße".encode("latin-1")]).encoding == "latin-1"
    mojibake = "雨水箅子".encode("gbk")
    choice = detect_encoding([mojibake])
    assert choice.scores["latin-1"] == 0.0
    assert "latin-1 0.00 mojibake" in choice.note


def test_plain_ascii_is_read_as_utf8():
    choice = detect_encoding([b"LED", b"HPS"])
    assert (choice.encoding, choice.note) == ("utf-8", "text is plain ASCII (any encoding reads it)")


def test_gbk_dbf_without_cpg_is_detected_from_its_bytes(gbk_dbf):
    choice = shapefile_encoding(gbk_dbf)
    assert choice.encoding == "gb18030"
    assert choice.note.startswith("detected: no .cpg; GB18030 scored best (GB18030 1.00")
    assert choice.scores["gb18030"] > choice.scores["big5"] > choice.scores["latin-1"]


def test_cpg_is_honoured_and_encoding_argument_beats_it(gbk_dbf):
    gbk_dbf.with_suffix(".cpg").write_text("ANSI 936")
    assert shapefile_encoding(gbk_dbf).encoding == "gb18030"
    assert shapefile_encoding(gbk_dbf).note == "declared: .cpg says ANSI 936"
    assert shapefile_encoding(gbk_dbf, "latin-1").encoding == "latin-1"


def test_unknown_encodings_are_refused_naming_where_they_came_from():
    with pytest.raises(InvalidInput, match=r"drains.cpg: unknown text encoding 'KLINGON'"):
        normalise_encoding("KLINGON", "drains.cpg")
    assert normalise_encoding("65001", ".cpg") == "utf-8"
    assert normalise_encoding("GB2312", ".cpg") == "gb18030"


def test_text_bytes_honour_a_byte_order_mark_and_detect_gbk():
    assert text_encoding("\ufeff经度,纬度\n".encode("utf-8")).encoding == "utf-8-sig"
    assert text_encoding("经度\t纬度\n".encode("utf-16")).encoding == "utf-16"
    gbk = text_encoding("名称,经度,纬度\n雨水箅子,114.5,38.0\n".encode("gbk"))
    assert gbk.encoding == "gb18030" and gbk.note.startswith("detected: GB18030 scored best")
