"""The map served from a PostgreSQL read replica, as the README's deployment section sets it up:
a standby made with `pg_basebackup -R` streams from the primary; a server pointed at it reads
everything with the primary's logins, shows changes made at the primary once replayed, and
answers any write with a clear 503 that sends the user to the primary."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

import registry
from auth_helpers import PASSWORD, csrf_of, log_in, make_city
from postgis_server import PostgisServer
from registry import Change
from registry.errors import ReadOnly
from web.app import create_app

pytestmark = pytest.mark.postgis
DB = "replicated_city"
COOKIE = "infracensus_session"


@dataclass(frozen=True)
class Replicated:
    """One city registry on the primary and its streaming replica."""

    primary: str
    replica: str
    #: Wait until the replica has replayed everything the primary wrote so far.
    sync: Callable[[], None]


@pytest.fixture(scope="module")
def servers(postgis_server: PostgisServer) -> Iterator[Replicated]:
    primary = postgis_server.create_database(DB)
    make_city(primary)
    # The first app on the primary keeps the session key in the auth store; the replica gets it.
    app(primary).test_client().get("/auth/login")
    with postgis_server.standby() as standby:
        postgis_server.caught_up(standby)
        yield Replicated(primary, standby.url(DB), lambda: postgis_server.caught_up(standby))
    postgis_server.drop_database(DB)


def app(url: str) -> Flask:
    return create_app({"REGISTRY": url, "TESTING": True, "AUTH_REQUIRED": True})


@pytest.fixture()
def replica_client(servers: Replicated) -> FlaskClient:
    return app(servers.replica).test_client()


def signed_in_at_primary(servers: Replicated, client: FlaskClient) -> None:
    """Log in at the primary (a write: the audit trail) and carry the cookie to `client`."""
    at_primary = app(servers.primary).test_client()
    assert log_in(at_primary, "viewer").status_code == 302
    client.set_cookie(COOKIE, at_primary.get_cookie(COOKIE).value)
    servers.sync()  # the session is kept server-side: the replica knows it once replayed


def drain_items(client: FlaskClient) -> list[dict]:
    response = client.get("/ogcapi/collections/drains/items?limit=100")
    assert response.status_code == 200
    return response.get_json()["features"]


def test_a_login_at_the_primary_reads_the_map_on_the_replica(servers, replica_client) -> None:
    assert replica_client.get("/ogcapi/collections/drains/items").status_code == 401
    signed_in_at_primary(servers, replica_client)
    assert len(drain_items(replica_client)) == 20


def test_a_change_at_the_primary_reaches_the_replica(servers, replica_client) -> None:
    signed_in_at_primary(servers, replica_client)
    first = min(drain_items(replica_client), key=lambda f: f["properties"]["source_id"])
    reg = registry.open(servers.primary)
    reg.update(first["id"], {"condition": 5}, change=Change(who="eng", why="grate broken"))
    reg.close()
    servers.sync()
    after = replica_client.get(f"/ogcapi/collections/drains/items/{first['id']}").get_json()
    assert after["properties"]["condition"] == 5


def test_a_login_at_the_replica_is_sent_to_the_primary(replica_client) -> None:
    response = replica_client.post("/auth/login", data={
        "user": "viewer", "password": PASSWORD, "csrf_token": csrf_of(replica_client)})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "primary" in response.get_json()["detail"]


def test_an_edit_on_the_replica_is_refused_and_changes_nothing(servers) -> None:
    reg = registry.open(servers.replica)
    drain = reg.query(layer="drains").iloc[0]
    with pytest.raises(ReadOnly, match="primary"):
        reg.update(drain["uuid"], {"condition": 1}, change=Change(who="eng"))
    reg.close()
    at_primary = registry.open(servers.primary)
    assert at_primary.get(drain["uuid"])["properties"]["version"] == drain["version"]
    at_primary.close()
