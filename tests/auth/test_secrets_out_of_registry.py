"""Secrets live in the auth store, never in the registry: after a demo-like setup (users, a
token, a login, an exported work package) the registry file holds no hash, token or key; an
older registry that kept them inside has them moved out on open; a cookie signed with the
session key read from an old registry file is refused."""
from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface

import registry
from auth_helpers import PASSWORD, log_in, make_city
from backends import only_gpkg, only_postgis
from registry import Change, audit, auth_store, credentials
from registry.users import Users
from web.app import create_app

COOKIE = "infracensus_session"
OLD_SESSION_KEY = "a1" * 32
OLD_STAMP_KEY = "b2" * 32


def registry_bytes(path: str) -> bytes:
    """Everything SQLite keeps for the registry: the file and its WAL (if any)."""
    found = Path(path).read_bytes()
    wal = Path(path + "-wal")
    return found + (wal.read_bytes() if wal.exists() else b"")


def document_kinds(path: str) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {k for (k,) in conn.execute("SELECT DISTINCT kind FROM registry_documents")}


def served(path: str):
    return create_app({"REGISTRY": path, "TESTING": True, "AUTH_REQUIRED": True}).test_client()


@only_gpkg
def test_the_registry_file_of_a_served_city_holds_no_secret(registry_url: str) -> None:
    make_city(registry_url)
    reg = registry.open(registry_url)
    token = Users(reg).issue_token("crew1", "班组1", by="admin")
    reg.close()
    client = served(registry_url)
    assert log_in(client, "admin").status_code == 302
    assert client.get("/ogcapi/collections").status_code == 200
    reg = registry.open(registry_url)
    store = auth_store.for_registry(reg)
    secrets_kept = [r.body["key"] for r in store.all("secret")]
    hashes = [r.body["password"] for r in store.all("user")]
    reg.close()
    assert hashes and secrets_kept  # they exist, in the auth store ...
    data = registry_bytes(registry_url)  # ... and nowhere in the registry file
    assert b"scrypt:" not in data and token.encode() not in data
    assert not any(key.encode() in data for key in secrets_kept)
    assert not {"user", "api_token", "secret", "session"} & document_kinds(registry_url)


@only_gpkg
def test_the_auth_store_is_a_private_file_beside_the_registry(registry_url: str) -> None:
    make_city(registry_url)
    path = Path(registry_url).with_name(Path(registry_url).stem + ".auth.sqlite")
    assert auth_store.location(registry_url) == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@only_gpkg
def test_the_auth_store_path_can_be_set(registry_url: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "private" / "logins.sqlite"
    elsewhere.parent.mkdir()
    monkeypatch.setenv(auth_store.ENV, str(elsewhere))
    make_city(registry_url)
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    assert not Path(registry_url).with_name(Path(registry_url).stem + ".auth.sqlite").exists()
    assert Users(registry.open(registry_url)).authenticate("viewer", PASSWORD).user is not None


def old_registry(url: str) -> str:
    """A registry as the previous release left it: accounts, a token and both keys inside."""
    reg = registry.create(url, county="130102")
    save = lambda kind, key, body: reg.save_document(kind, key, body, Change(who="old"))  # noqa: E731
    save("user", "li", {"roles": ["engineer"], "display_name": "李工", "department": None,
                        "grids": [], "disabled": False, "epoch": 2, "failures": ["x"],
                        "password": credentials.hash_password(PASSWORD)})
    save("api_token", "0123456789ab", {"user": "li", "digest": credentials.token_digest("s"),
                                       "label": "old", "created_at": "2026-01-01T00:00:00Z",
                                       "revoked_at": None})
    save("secret", "session", {"key": OLD_SESSION_KEY})
    save("secret", "work_package_stamps", {"key": OLD_STAMP_KEY})
    save("plan", "PLAN-1", {"name": "a plan stays"})
    reg.close()
    return url


def test_opening_an_old_registry_moves_its_secrets_out(registry_url: str) -> None:
    reg = registry.open(old_registry(registry_url))
    assert [reg.documents(kind) for kind in ("user", "api_token", "secret")] == [[], [], []]
    assert reg.document("plan", "PLAN-1")["body"] == {"name": "a plan stays"}
    users = Users(reg)
    assert users.get("li").display_name == "李工" and users.get("li").epoch == 2
    assert users.authenticate("li", PASSWORD).user.name == "li"
    assert users.tokens("li")[0]["expires_at"] > "2026"  # an old token gets an expiry
    store = auth_store.for_registry(reg)
    assert store.get("secret", "work_package_stamps").body["key"] == OLD_STAMP_KEY
    assert store.get("secret", "session") is None  # dropped: it sat in a shared file
    moved = audit.trail(reg, action="auth.migrate")
    assert moved[0]["detail"]["counts"] == {"user": 1, "api_token": 1, "secret": 2}
    reg.close()
    reopened = registry.open(registry_url)  # the move happens once
    assert len(audit.trail(reopened, action="auth.migrate")) == 1
    reopened.close()


@only_gpkg
def test_the_moved_secrets_leave_no_bytes_in_the_file(registry_url: str) -> None:
    old_registry(registry_url)
    with closing(sqlite3.connect(registry_url)) as conn:
        (stored,) = conn.execute("SELECT body FROM registry_documents WHERE kind = 'user'"
                                 ).fetchone()
    digest = stored.split('"password":"')[1].split('"')[0].encode()
    assert digest in registry_bytes(registry_url)
    registry.open(registry_url).close()
    data = registry_bytes(registry_url)
    assert digest not in data and OLD_SESSION_KEY.encode() not in data
    assert OLD_STAMP_KEY.encode() not in data


def test_a_cookie_signed_with_the_old_registry_key_is_refused(registry_url: str) -> None:
    old_registry(registry_url)
    app = create_app({"REGISTRY": registry_url, "TESTING": True, "AUTH_REQUIRED": True})
    client = app.test_client()
    assert client.get("/ogcapi/collections").status_code == 401  # opens and migrates
    app_with_old_key = create_app({"SECRET_KEY": OLD_SESSION_KEY})
    forger = SecureCookieSessionInterface().get_signing_serializer(app_with_old_key)
    for forged in ({"user": "li", "epoch": 2}, {"sid": "guessed", "user": "li", "epoch": 2}):
        client.set_cookie(COOKIE, forger.dumps(forged))
        answer = client.get("/ogcapi/collections")
        assert answer.status_code == 401, forged


@only_postgis
def test_a_reading_role_cannot_read_the_auth_store(registry_url: str) -> None:
    import psycopg
    make_city(registry_url)
    with psycopg.connect(registry_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS census_reader")
        conn.execute("CREATE ROLE census_reader LOGIN")
        conn.execute("GRANT USAGE ON SCHEMA public TO census_reader")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO census_reader")
    reader_url = registry_url.replace("postgres@", "census_reader@")
    try:
        with psycopg.connect(reader_url, autocommit=True) as conn:
            drains = conn.execute("SELECT count(*) FROM drains").fetchone()[0]
            kinds = {k for (k,) in conn.execute("SELECT kind FROM registry_documents")}
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {auth_store.SCHEMA}.auth_records")
        assert drains == 20 and not {"user", "api_token", "secret"} & kinds
    finally:
        with psycopg.connect(registry_url, autocommit=True) as conn:
            conn.execute("REASSIGN OWNED BY census_reader TO postgres")
            conn.execute("DROP OWNED BY census_reader")
            conn.execute("DROP ROLE census_reader")


@only_gpkg
def test_a_new_registry_file_is_private(registry_url: str) -> None:
    registry.create(registry_url, county="130102").close()
    assert stat.S_IMODE(Path(registry_url).stat().st_mode) == 0o600


@only_gpkg
def test_a_registry_commits_durably(registry_url: str) -> None:
    reg = registry.create(registry_url, county="130102")
    # 2 = FULL: the WAL is synced at every commit.
    assert reg.storage.db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    reg.close()
