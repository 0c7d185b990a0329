"""``POST /api/imports`` against hostile files: each is refused with a clear 4xx, nothing is
written, and the server goes on serving."""
from __future__ import annotations

import io
import struct
import zipfile
from typing import Callable

import geopandas as gpd
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import registry
from registry import Change
from web.app import create_app
from open_access import OPEN

POINT = b'{"type":"Feature","properties":{"source_id":"%s"},"geometry":{"type":"Point","coordinates":[%s]}}'


def collection(*features: bytes) -> bytes:
    return b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]}"


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def lying_zip() -> bytes:
    """A member that says it unpacks to 100 bytes but unpacks to megabytes."""
    data = bytearray(zipped({"a.csv": b"id,lon,lat\n" + b"1,114.5,38.05\n" * 200_000}))
    for header, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(header) + offset
        data[at:at + 4] = struct.pack("<I", 100)
    return bytes(data)


def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY l0 "lol">{entities}]>'
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&l9;</name>'
            '<Point><coordinates>114.5,38.05</coordinates></Point></Placemark></kml>').encode()


HOSTILE = {
    "zip bomb": ("bomb.zip", zipped({"a.csv": b"0" * (50 << 20)}), "refused"),
    "path traversal": ("up.zip", zipped({"../../escape.csv": b"id,lon,lat\n1,114.5,38.05\n"}),
                       "points outside the archive"),
    "forged member size": ("liar.zip", lying_zip(), "damaged or forged zip"),
    "zip named GeoJSON": ("drains.geojson", zipped({"a.csv": b"x"}),
                          "the name says JSON, but the content is zip archive"),
    "program named GeoPackage": ("drains.gpkg", b"MZ\x90\x00" + b"\x00" * 100,
                                 "the content is Windows program"),
    "billion laughs": ("drains.kml", billion_laughs(), "entity declarations is not accepted"),
    "deep nesting": ("deep.geojson", collection(
        POINT % (b"D1", b"114.5,38.05")).replace(b'"D1"', b"[" * 100_000 + b"]" * 100_000),
        "Too many nested"),
    "huge coordinates": ("huge.geojson", collection(POINT % (b"H1", b"1e308,-1e308")),
                         "cannot tell the coordinate system"),
    "NaN coordinates": ("nan.geojson", collection(POINT % (b"N1", b"NaN,38.05")),
                        "no coordinates"),
    "lone shapefile": ("drains.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96, "as one .zip"),
    "unknown type": ("drains.exe", b"MZ", ".exe files cannot be imported"),
    "empty": ("drains.csv", b"", "the file is empty"),
}
#: A limit reached answers 413, naming the limit; every other refusal is a 400.
STATUS = {"zip bomb": 413}


@pytest.fixture(scope="module")
def city(module_location: Callable[[], str]) -> str:
    path = module_location()
    reg = registry.create(path, county="130102")
    reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
                                      geometry=[shapely.box(114.4, 37.95, 114.65, 38.15)],
                                      crs=4490), Change(who="test"))
    reg.close()
    return path


@pytest.fixture(scope="module")
def app(city: str) -> Flask:
    return create_app({"REGISTRY": city, "TESTING": True, "MAX_CONTENT_LENGTH": 8 << 20, **OPEN})


def send(client: FlaskClient, name: str, data: bytes, **form: str):
    return client.post("/api/imports", content_type="multipart/form-data",
                       data={"layer": "drains", **form, "file": (io.BytesIO(data), name)})


def stored(city: str) -> tuple[int, int]:
    reg = registry.open(city)
    try:
        return reg.count(layer="drains"), len(reg.batches())
    finally:
        reg.close()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_refused_and_nothing_is_written(app: Flask, city: str, case: str) -> None:
    name, data, message = HOSTILE[case]
    before = stored(city)
    answer = send(app.test_client(), name, data)
    assert answer.status_code == STATUS.get(case, 400), answer.get_json()
    assert message in answer.get_json()["detail"]
    assert stored(city) == before
    assert app.test_client().get("/ogcapi/collections/drains/items?limit=1").status_code == 200


def test_huge_coordinates_with_a_crs_are_rejected_records_not_a_crash(app: Flask,
                                                                      city: str) -> None:
    before = stored(city)
    data = collection(POINT % (b"H2", b"1e308,-1e308"), POINT % (b"N2", b"NaN,NaN"))
    answer = send(app.test_client(), "huge.geojson", data, crs="EPSG:4490")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["counts"]["accepted"] == 0 and body["counts"]["rejected"] == 2
    assert stored(city) == (before[0], before[1] + 1)


def test_too_large_a_body_is_413(app: Flask) -> None:
    # Encoded up front: werkzeug's test client would spool a body this size to a temporary
    # file that nobody closes once the server stops reading early.
    boundary, body = encode_multipart({"layer": "drains", "file": FileStorage(
        io.BytesIO(b"id,lon,lat\n" + b"1,114.5,38.05\n" * 700_000), "big.csv")})
    answer = app.test_client().post("/api/imports", data=body,
                                    content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 413
    assert answer.get_json()["title"] == "Request Entity Too Large"


def test_a_good_upload_is_imported_as_one_batch(app: Flask, city: str) -> None:
    before = stored(city)
    answer = send(app.test_client(), "../../收水井.geojson",
                  collection(POINT % (b"G1", b"114.51,38.05"), POINT % (b"G2", b"114.52,38.05")))
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["file"] == "收水井.geojson" and body["counts"]["accepted"] == 2
    assert stored(city) == (before[0] + 2, before[1] + 1)


def test_missing_file_and_unknown_layer_say_so(app: Flask) -> None:
    client = app.test_client()
    assert "multipart form field named 'file'" in client.post(
        "/api/imports", data={"layer": "drains"}).get_json()["detail"]
    assert send(client, "a.csv", b"id\n1\n", layer="wells").status_code == 404
