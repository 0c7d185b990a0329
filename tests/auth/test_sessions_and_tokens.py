"""Sessions end on the server (logout, password change), tokens expire and rotate, `next`
never leaves the site, and every response carries the security headers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

import registry
from auth_helpers import PASSWORD, csrf_of, log_in, session_csrf
from registry.change import utc_now
from registry.users import Users
from web.cli.user import user

COOKIE = "infracensus_session"


def replay(client, cookie: str):
    """The same request from a thief holding the cookie as it was."""
    thief = client.application.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get("/ogcapi/collections")


def test_a_cookie_replayed_after_logout_is_refused(client) -> None:
    log_in(client, "viewer", environ_base={"REMOTE_ADDR": "10.6.0.1"})
    cookie = client.get_cookie(COOKIE).value
    assert replay(client, cookie).status_code == 200
    client.post("/auth/logout", headers={"X-CSRF-Token": session_csrf(client)})
    assert replay(client, cookie).status_code == 401


def test_a_password_change_ends_every_session_of_the_user(client, city_path: str) -> None:
    reg = registry.open(city_path)
    Users(reg).add("sun", PASSWORD, ["viewer"], by="test")
    log_in(client, "sun", environ_base={"REMOTE_ADDR": "10.6.0.2"})
    other_device = client.application.test_client()
    log_in(other_device, "sun", environ_base={"REMOTE_ADDR": "10.6.0.3"})
    cookies = [c.get_cookie(COOKIE).value for c in (client, other_device)]
    Users(reg).set_password("sun", "a-new-long-password", by="sun")
    reg.close()
    assert [replay(client, c).status_code for c in cookies] == [401, 401]
    assert log_in(client, "sun", "a-new-long-password").status_code == 302


def test_the_cookie_holds_no_user_name(client) -> None:
    log_in(client, "planner", environ_base={"REMOTE_ADDR": "10.6.0.4"})
    with client.session_transaction() as session:
        assert set(session) == {"sid", "csrf", "_permanent"}


def test_a_token_expires(city_path: str) -> None:
    reg = registry.open(city_path)
    users = Users(reg)
    text = users.issue_token("crew1", "short", by="admin", lifetime=timedelta(days=1))
    assert users.from_token(text).name == "crew1"
    assert users.from_token(text, now=utc_now() + timedelta(days=1, seconds=1)) is None
    record = [t for t in users.tokens("crew1") if t["label"] == "short"][0]
    assert record["expires_at"][:10] == (utc_now() + timedelta(days=1)).date().isoformat()
    reg.close()


def test_an_expired_token_is_401_on_the_api(client, city_path: str) -> None:
    reg = registry.open(city_path)
    users = Users(reg)
    text = users.issue_token("viewer", "soon", by="admin", lifetime=timedelta(milliseconds=1))
    reg.close()
    answer = client.get("/ogcapi/collections", headers={"Authorization": f"Bearer {text}"})
    assert answer.status_code == 401 and "API token" in answer.get_json()["detail"]


def test_cli_issues_tokens_that_expire_and_rotates_them(city_path: str) -> None:
    issued = CliRunner().invoke(user, ["token", "-r", city_path, "crew1", "--label", "平板",
                                       "--expires", "30"])
    assert issued.exit_code == 0, issued.output
    old = issued.stdout.strip()
    listed = CliRunner().invoke(user, ["token", "-r", city_path, "crew1", "--list"]).output
    expiry = (utc_now() + timedelta(days=30)).date().isoformat()
    assert f"平板\tcreated " in listed and f"expires {expiry}" in listed
    rotated = CliRunner().invoke(user, ["rotate", "-r", city_path, old[3:15]])
    assert rotated.exit_code == 0, rotated.output
    new = rotated.stdout.strip()
    reg = registry.open(city_path)
    users = Users(reg)
    assert users.from_token(old) is None and users.from_token(new).name == "crew1"
    reg.close()
    bad = CliRunner().invoke(user, ["token", "-r", city_path, "crew1", "--expires", "soon"])
    assert bad.exit_code == 2 and "neither a number of days" in bad.output


@pytest.mark.parametrize("target", ["/%09/evil.example/", "/\t/evil.example/", "//evil",
                                    "\\\\evil", "/\\evil", "https://evil", "javascript:alert(1)",
                                    "evil.example"])
def test_next_after_login_stays_on_the_site(client, target: str) -> None:
    from urllib.parse import unquote
    answer = client.post("/auth/login", data={
        "user": "viewer", "password": PASSWORD, "next": unquote(target),
        "csrf_token": csrf_of(client)}, environ_base={"REMOTE_ADDR": "10.6.1.1"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_next_keeps_a_path_of_the_site(client) -> None:
    page = client.get("/auth/login?next=/%09/evil.example/").get_data(as_text=True)
    assert 'name="next" value="/"' in page
    answer = client.post("/auth/login", data={
        "user": "viewer", "password": PASSWORD, "next": "/map?layer=drains",
        "csrf_token": csrf_of(client)}, environ_base={"REMOTE_ADDR": "10.6.1.2"})
    assert answer.headers["Location"] == "/map?layer=drains"


@pytest.mark.parametrize("path", ["/auth/login", "/ogcapi/collections", "/no/such/page",
                                  "/static/map/app.js"])
def test_every_response_carries_the_security_headers(client, path: str) -> None:
    response = client.get(path)
    headers = response.headers
    response.close()  # a static file is streamed from an open file
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split(
        "script-src")[1].split(";")[0]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_template_has_inline_code_the_policy_would_block() -> None:
    import re
    from pathlib import Path
    templates = Path(__file__).resolve().parents[2] / "web" / "templates"
    for page in templates.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<style" not in text, page
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
        assert scripts == [], page
        assert not re.search(r"\son[a-z]+=", text), page


def test_the_login_page_is_styled_from_this_site(client) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/static/auth/login.css"' in page
    css = client.get("/static/auth/login.css")
    assert css.status_code == 200 and b"max-width: 22rem" in css.data
    css.close()
