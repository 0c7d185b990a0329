"""A registry's metric CRS must be projected and in metres, on both backends (issue 13, item 7)."""
from __future__ import annotations

import json
import sqlite3

import psycopg
import pytest
from click.testing import CliRunner

import registry
from registry.errors import InvalidInput
from web.cli.main import cli

GEOGRAPHIC = ("metric_srid 4326 (WGS 84) is a geographic CRS: it measures degrees, not metres; "
              "choose a projected CRS in metres, e.g. 4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E)")


def test_init_refuses_a_geographic_metric_crs_and_creates_nothing(registry_url):
    result = CliRunner().invoke(cli, ["init", "-r", registry_url, "--county", "130102",
                                      "--metric-srid", "4326"])
    assert result.exit_code != 0
    assert GEOGRAPHIC in result.output
    with pytest.raises(registry.errors.RegistryError):
        registry.open(registry_url)


@pytest.mark.parametrize("srid, reason", [
    (4490, "(China Geodetic Coordinate System 2000) is a geographic CRS"),
    (2249, "(NAD83 / Massachusetts Mainland (ftUS)) measures in US survey foot, not metres"),
    (4978, "(WGS 84) is not a projected CRS"),
    (999999, "metric_srid 999999 is not a known EPSG code")])
def test_other_unusable_metric_crs_are_refused(tmp_path, srid, reason):
    with pytest.raises(InvalidInput, match=reason.replace("(", r"\(").replace(")", r"\)")):
        registry.create(tmp_path / "city.gpkg", county="130102", metric_srid=srid)
    assert not (tmp_path / "city.gpkg").exists()


def test_projected_metric_crs_are_taken(tmp_path):
    reg = registry.create(tmp_path / "cambridge.gpkg", county="250017", metric_srid=26986,
                          extent=(-71.2, 42.3, -71.0, 42.5))
    assert registry.open(reg.url).settings.metric_srid == 26986


def test_opening_a_registry_stored_with_a_geographic_metric_crs_says_so(registry_url):
    registry.create(registry_url, county="130102").storage.close()
    _store_metric_srid(registry_url, 4326)
    with pytest.raises(InvalidInput) as refused:
        registry.open(registry_url)
    assert str(refused.value) == f"this registry's stored settings are unusable: {GEOGRAPHIC}"
    result = CliRunner().invoke(cli, ["query", "-r", registry_url, "drains"])
    assert result.exit_code != 0 and GEOGRAPHIC in result.output


def _store_metric_srid(url: str, srid: int) -> None:
    """Write the setting as a registry made before the check would hold it."""
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            (text,) = conn.execute("SELECT value FROM infracensus_settings "
                                   "WHERE key = 'settings'").fetchone()
            conn.execute("UPDATE infracensus_settings SET value = %s WHERE key = 'settings'",
                         (json.dumps({**json.loads(text), "metric_srid": srid}),))
        return
    conn = sqlite3.connect(url)
    with conn:
        (text,) = conn.execute("SELECT value FROM infracensus_settings "
                               "WHERE key = 'settings'").fetchone()
        conn.execute("UPDATE infracensus_settings SET value = ? WHERE key = 'settings'",
                     (json.dumps({**json.loads(text), "metric_srid": srid}),))
    conn.close()
