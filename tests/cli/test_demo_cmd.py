"""`infracensus demo` as a newcomer runs it: messy surveys in, a registry GDAL reads out."""
from __future__ import annotations

import json
from pathlib import Path

import pyogrio
from click.testing import CliRunner

import registry
from registry import Query
from registry.stats import TOTAL
from registry.users import Users
from web.app import create_app
from web.cli.main import cli


def test_every_survey_is_imported_with_its_report(demo: tuple[Path, str]) -> None:
    out, output = demo
    manifest = json.loads((out / "surveys" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest:
        assert f"== {entry['file']} → {entry['layer']}" in output
    assert "GB18030" in output or "gb18030" in output      # the GBK shapefile was detected
    assert "EPSG:4526" in output                            # zone-38 eastings recognised
    assert "GCJ-02" in output                               # the web-map offset removed
    assert "class corrected" in output                      # swapped 中压A/中压B labels


def test_gdal_reads_the_demo_registry_with_the_counts_stats_prints(
        demo: tuple[Path, str]) -> None:
    out, _ = demo
    reg = registry.open(out / "city.gpkg")
    totals = reg.stats().query("grid_code == @TOTAL").set_index("layer")["assets"]
    for layer in reg.layers:
        info = pyogrio.read_info(out / "city.gpkg", layer=layer)
        assert info["features"] == totals[layer] == reg.count(Query(layer)), layer
    assert totals["grids"] == 58
    assert all(totals[layer] > 0 for layer in reg.layers)


def test_chinese_text_is_stored_without_mojibake(demo: tuple[Path, str]) -> None:
    out, _ = demo
    drains = pyogrio.read_dataframe(out / "city.gpkg", layer="drains", columns=["road_name"])
    names = drains["road_name"].dropna()
    assert len(names) and names.str.contains("[路街]").all()
    assert not names.str.contains("[ÃÂÎÏ]").any()


def test_a_second_run_reuses_the_registry(demo: tuple[Path, str]) -> None:
    out, first = demo
    again = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "already built (use --rebuild to start again)" in again.output
    login = first[first.index("登录 Log in as: "):].splitlines()[0]
    assert login in again.output


def test_the_demo_login_opens_the_map(demo: tuple[Path, str]) -> None:
    out, _ = demo
    user, password = (out / "login.txt").read_text(encoding="utf-8").split()
    app = create_app({"REGISTRY": str(out / "city.gpkg"), "AUTH_REQUIRED": True})
    client = app.test_client()
    assert client.get("/ogcapi/collections?f=json").status_code == 401
    login = Users(registry.open(out / "city.gpkg")).authenticate(user, password)
    assert login.user is not None and login.user.roles == ("admin",)


def test_the_demo_registry_holds_no_login_and_its_files_are_private(
        demo: tuple[Path, str]) -> None:
    import sqlite3
    import stat
    from contextlib import closing
    out, _ = demo
    gpkg = out / "city.gpkg"
    data = gpkg.read_bytes() + (Path(f"{gpkg}-wal").read_bytes()
                                if Path(f"{gpkg}-wal").exists() else b"")
    _, password = (out / "login.txt").read_text(encoding="utf-8").split()
    assert b"scrypt:" not in data and password.encode() not in data
    with closing(sqlite3.connect(gpkg)) as conn:
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM registry_documents")}
    assert not {"user", "api_token", "secret"} & kinds
    for private in (gpkg, out / "city.auth.sqlite", out / "login.txt"):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
