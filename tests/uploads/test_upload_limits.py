"""Uploads that cannot hurt: hostile files sent to a real server process are refused fast,
with a problem naming the limit, nothing is written, no temporary folder is left, and the
server's own peak memory (VmHWM) stays under 1 GB whatever the files would have cost."""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

import registry
from uploads import hostile_files as hostile
from uploads.served import Server, multipart, serving

GB = 10**9
LIMITS = {"UPLOAD_UNPACKED_BYTES": 32 << 20, "UPLOAD_MAX_ROWS": 20_000,
          "MAX_CONTENT_LENGTH": 64 << 20}


def city(folder: Path) -> str:
    path = str(folder / "city.gpkg")
    registry.create(path, county="130102").close()
    return path


def stored(path: str) -> tuple[int, int]:
    reg = registry.open(path)
    try:
        return reg.count(layer="drains"), len(reg.batches())
    finally:
        reg.close()


def left_behind(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def stale(place: Path) -> Path:
    """A folder a killed server left: its pid runs no more."""
    folder = place / "tmp" / "999999999-killed"
    folder.mkdir(parents=True)
    (folder / "half.csv").write_bytes(b"id\n1\n")
    return folder


@pytest.fixture(scope="module")
def server(place: Path, stale: Path) -> Iterator[Server]:
    with serving({"REGISTRY": city(place), "AUTH_REQUIRED": False,
                  "UPLOAD_TMP": str(place / "tmp"), **LIMITS}) as served:
        yield served


@pytest.fixture(scope="module")
def registry_path(place: Path, server: Server) -> str:
    return str(place / "city.gpkg")


def refused(server: Server, registry_path: str, name: str, data: bytes, status: int,
            message: str, within: float, **form: str) -> dict:
    before = stored(registry_path)
    answer, seconds = server.upload(name, data, **form)
    body = answer.json()
    assert answer.status_code == status, body
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert message in body["detail"], body
    assert seconds < within, f"refused after {seconds:.1f} s"
    assert stored(registry_path) == before
    return body


def test_stale_folders_of_a_killed_server_are_removed_at_start(server: Server,
                                                               stale: Path) -> None:
    assert not stale.exists()


def test_a_geopackage_whose_layer_is_a_recursive_view_is_refused_before_reading(
        server: Server, registry_path: str, place: Path) -> None:
    data = hostile.recursive_view_geopackage(place)
    assert len(data) < 200_000
    body = refused(server, registry_path, "bomb.gpkg", data, 400, "view 'bomb'", 10,
                   gpkg_layer="bomb", dry_run="true")
    assert "views, triggers or virtual tables are refused" in body["detail"]


def test_a_geopackage_with_its_own_trigger_and_virtual_table_is_refused(
        server: Server, registry_path: str, place: Path) -> None:
    body = refused(server, registry_path, "planted.gpkg", hostile.planted_geopackage(place),
                   400, "trigger 'wipe'", 10)
    assert "virtual table 'notes'" in body["detail"]


def test_a_geopackage_as_gdal_writes_it_is_imported(server: Server, registry_path: str,
                                                    place: Path) -> None:
    before = stored(registry_path)
    answer, _ = server.upload("drains.gpkg", hostile.geopackage(place, "good.gpkg").read_bytes())
    assert answer.status_code == 201, answer.json()
    assert answer.json()["counts"]["accepted"] == 2
    assert stored(registry_path) == (before[0] + 2, before[1] + 1)


def test_a_zip_of_a_huge_csv_is_refused_by_its_unpacked_size(server: Server,
                                                             registry_path: str) -> None:
    data = hostile.zipped("drains.csv", hostile.csv_rows(1_500_000))
    body = refused(server, registry_path, "drains.zip", data, 413, "unpacks to", 15)
    assert "33,554,432 bytes unpacked" in body["detail"]
    assert body["title"] == "Limit exceeded"


def test_an_xlsx_with_huge_sheet_xml_is_held_to_the_same_rule(server: Server,
                                                              registry_path: str) -> None:
    data = hostile.huge_sheet_workbook(40 << 20)
    assert len(data) < 5 << 20  # 10x: well inside the compression-ratio rule
    refused(server, registry_path, "drains.xlsx", data, 413, "33,554,432 bytes unpacked", 15)


def test_an_xlsx_declaring_entities_is_refused(server: Server, registry_path: str) -> None:
    refused(server, registry_path, "drains.xlsx", hostile.dtd_workbook(), 400,
            "xl/workbook.xml): XML with a document type or entity declarations", 10)


def test_more_rows_than_the_limit_is_413_naming_it(server: Server, registry_path: str) -> None:
    data = hostile.zipped("drains.csv", hostile.csv_rows(25_000))
    body = refused(server, registry_path, "drains.zip", data, 413, "25,000 records", 15)
    assert "20,000 one upload may hold (UPLOAD_MAX_ROWS)" in body["detail"]


def test_a_client_that_hangs_up_stops_its_import(server: Server, place: Path) -> None:
    body, content_type = multipart("drains.csv", hostile.csv_rows(19_000), dry_run="true")
    client = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    client.sendall(f"POST /api/imports HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    assert wait_for(server.upload_children), "no upload child started"
    client.close()
    # Well before the import could finish on its own (its start-up alone takes longer).
    assert wait_for(lambda: not server.upload_children(), seconds=1), "child still running"
    assert wait_for(lambda: not left_behind(place / "tmp"), seconds=5), left_behind(place / "tmp")


def test_a_child_killed_outright_leaves_no_folder_and_the_server_says_so(
        server: Server, registry_path: str, place: Path) -> None:
    answers: list = []
    sender = threading.Thread(target=lambda: answers.append(
        server.upload("drains.csv", hostile.csv_rows(19_000))))
    sender.start()
    children = wait_for(server.upload_children)
    assert children, "no upload child started"
    os.kill(children[0], signal.SIGKILL)
    sender.join(60)
    answer, _ = answers[0]
    assert answer.status_code == 500
    assert "was killed by signal SIGKILL" in answer.json()["detail"]
    assert "unless the batch is listed, nothing was written" in answer.json()["detail"]
    assert left_behind(place / "tmp") == []


def test_the_server_peak_memory_stays_under_1_gb(server: Server) -> None:
    # Run last: by now the server has taken every hostile file above.
    assert server.peak_memory_bytes() < GB, f"{server.peak_memory_bytes() >> 20} MiB"
    assert server.process.poll() is None


def test_a_file_needing_more_memory_than_allowed_is_413(place: Path) -> None:
    folder = place / "small"
    folder.mkdir()
    with serving({"REGISTRY": city(folder), "AUTH_REQUIRED": False,
                  "UPLOAD_TMP": str(folder / "tmp"), "UPLOAD_MEMORY_BYTES": 650 << 20,
                  "UPLOAD_MAX_ROWS": 10**7, "MAX_CONTENT_LENGTH": 64 << 20}) as small:
        answer, seconds = small.upload("drains.csv", hostile.csv_rows(300_000), dry_run="true")
        assert answer.status_code == 413, answer.json()
        assert "memory limit of 650 MiB (UPLOAD_MEMORY_BYTES)" in answer.json()["detail"]
        assert seconds < 30
        assert small.peak_memory_bytes() < GB
    assert left_behind(folder / "tmp") == []


def test_an_import_longer_than_the_wall_clock_limit_is_stopped(place: Path) -> None:
    folder = place / "slow"
    folder.mkdir()
    with serving({"REGISTRY": city(folder), "AUTH_REQUIRED": False,
                  "UPLOAD_TMP": str(folder / "tmp"), "UPLOAD_TIMEOUT_SECONDS": 0.5}) as slow:
        answer, seconds = slow.upload("drains.csv", hostile.csv_rows(10))
        assert answer.status_code == 413, answer.json()
        assert "wall-clock limit of 0.5 s (UPLOAD_TIMEOUT_SECONDS)" in answer.json()["detail"]
        assert seconds < 5
        assert stored(str(folder / "city.gpkg")) == (0, 0)
    assert left_behind(folder / "tmp") == []


def test_an_import_using_more_cpu_than_allowed_is_413(place: Path) -> None:
    folder = place / "busy"
    folder.mkdir()
    with serving({"REGISTRY": city(folder), "AUTH_REQUIRED": False,
                  "UPLOAD_TMP": str(folder / "tmp"), "UPLOAD_CPU_SECONDS": 1,
                  "UPLOAD_MAX_ROWS": 10**7, "MAX_CONTENT_LENGTH": 64 << 20}) as busy:
        answer, seconds = busy.upload("drains.csv", hostile.csv_rows(300_000))
        assert answer.status_code == 413, answer.json()
        assert "CPU-time limit of 1 s (UPLOAD_CPU_SECONDS)" in answer.json()["detail"]
        assert seconds < 30
        assert stored(str(folder / "city.gpkg")) == (0, 0)
    assert left_behind(folder / "tmp") == []


def test_a_server_killed_mid_upload_takes_its_child_along_and_the_next_start_cleans_up(
        place: Path) -> None:
    folder = place / "killed"
    folder.mkdir()
    config = {"REGISTRY": city(folder), "AUTH_REQUIRED": False, "UPLOAD_TMP": str(folder / "tmp")}
    with serving(config) as doomed:
        sender = threading.Thread(target=upload_ignoring_hang_up, daemon=True,
                                  args=(doomed, "drains.csv", hostile.csv_rows(19_000)))
        sender.start()
        [child] = wait_for(doomed.upload_children)
        assert left_behind(folder / "tmp")
        doomed.process.kill()  # kill -9 of the web server itself
        doomed.process.wait()
        assert wait_for(lambda: not Path(f"/proc/{child}").exists(), seconds=5), \
            "the upload child outlived its server"
        sender.join(30)
    assert left_behind(folder / "tmp")  # nobody was left to remove it ...
    with serving(config):
        assert left_behind(folder / "tmp") == []  # ... until the next start
    assert stored(str(folder / "city.gpkg")) == (0, 0)


def upload_ignoring_hang_up(server: Server, name: str, data: bytes) -> None:
    try:
        server.upload(name, data)
    except requests.ConnectionError:  # the server died mid-request, as the test meant
        pass


def wait_for(probe, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.05)
    return probe()
