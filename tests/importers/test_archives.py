"""Zipped surveys: the dataset inside is found and read; hostile archives are refused."""
import zipfile

import geopandas as gpd
import pytest
import shapely

from importers.sources import read_survey
from registry.errors import InvalidInput

NAMES = ["雨水箅子", "铸铁井盖"]


@pytest.fixture
def shapefile_parts(tmp_path):
    """A GBK drains shapefile without .cpg, as a dict of part suffix -> bytes."""
    folder = tmp_path / "parts"
    folder.mkdir()
    gpd.GeoDataFrame({"名称": NAMES}, geometry=shapely.points([(114.5, 38.0), (114.6, 38.1)]),
                     crs=4490).to_file(folder / "drains.shp", encoding="gbk")
    (folder / "drains.cpg").unlink()
    return {p.suffix: p.read_bytes() for p in folder.iterdir()}


def zip_of(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zipped_gbk_shapefile_reads_clean(tmp_path, shapefile_parts):
    archive = zip_of(tmp_path / "survey.zip", {f"2024/drains{s}": b for s, b in shapefile_parts.items()}
                     | {"__MACOSX/2024/._drains.shp": b"junk", "说明.docx": b"notes"})
    raw = read_survey(archive)
    assert raw.format == "Shapefile (zip)"
    assert raw.frame["名称"].tolist() == NAMES
    assert raw.encoding == "gb18030"


def test_gbk_member_names_written_by_chinese_windows(tmp_path, shapefile_parts):
    """Windows zips store GBK names without the UTF-8 flag; zipfile would show cp437 garbage."""
    placeholder = "XXXX"  # as long as 路灯 in GBK: patched into the archive's raw bytes
    archive = zip_of(tmp_path / "survey.zip", {f"{placeholder}{s}": b for s, b in shapefile_parts.items()})
    archive.write_bytes(archive.read_bytes().replace(placeholder.encode(), "路灯".encode("gbk")))
    raw = read_survey(archive, layer_name="路灯.shp")
    assert raw.frame["名称"].tolist() == NAMES


def test_several_datasets_need_a_name(tmp_path, shapefile_parts):
    members = {f"a/drains{s}": b for s, b in shapefile_parts.items()}
    members |= {f"b/lamps{s}": b for s, b in shapefile_parts.items()}
    archive = zip_of(tmp_path / "survey.zip", members)
    with pytest.raises(InvalidInput, match=r"^survey.zip holds 2 readable datasets "
                                           r"\(a/drains.shp, b/lamps.shp\); choose one"):
        read_survey(archive)
    assert len(read_survey(archive, layer_name="lamps").frame) == 2


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/evil.csv", "..\\evil.csv"])
def test_path_traversal_is_refused(tmp_path, name):
    archive = zip_of(tmp_path / "survey.zip", {name: b"lon,lat\n114.5,38\n"})
    with pytest.raises(InvalidInput, match=r"points outside the archive; refused"):
        read_survey(archive)
    assert not (tmp_path / "evil.csv").exists()


def test_zip_bomb_is_refused(tmp_path):
    archive = tmp_path / "survey.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        with zipped.open("drains.csv", "w") as member:
            for _ in range(32):
                member.write(bytes(1 << 20))
    with pytest.raises(InvalidInput, match=r"^survey.zip: unpacks to 33,554,432 bytes from .*; refused"):
        read_survey(archive)


def test_not_a_zip(tmp_path):
    (tmp_path / "survey.zip").write_bytes(b"PK but not really")
    with pytest.raises(InvalidInput, match=r"^survey.zip: not a readable zip archive"):
        read_survey(tmp_path / "survey.zip")
