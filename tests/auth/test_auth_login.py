"""Logging in and out in a browser: the page, cookies, CSRF, sessions that end (throttling
after failed logins: test_login_throttle.py)."""
from __future__ import annotations

from flask.testing import FlaskClient

from registry import open as open_registry
from registry.users import Users
from auth_helpers import PASSWORD, csrf_of, log_in, session_csrf


def test_login_page_is_chinese_by_default(client: FlaskClient) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    assert "用户名" in page and "密码" in page and 'lang="zh-CN"' in page
    assert "Log in" in client.get("/auth/login?lang=en").get_data(as_text=True)


def test_anonymous_browser_is_sent_to_log_in(client: FlaskClient) -> None:
    answer = client.get("/", headers={"Accept": "text/html"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/auth/login?next=/"


def test_anonymous_api_call_is_401_problem(client: FlaskClient) -> None:
    answer = client.get("/ogcapi/collections/drains/items")
    assert answer.status_code == 401
    assert answer.get_json()["title"] == "Unauthorized"
    assert "log in first" in answer.get_json()["detail"]


def test_login_sets_a_hardened_cookie_and_goes_where_asked(client: FlaskClient) -> None:
    answer = client.post(
        "/auth/login", data={"user": "viewer", "password": PASSWORD, "next": "/ogcapi",
                             "csrf_token": csrf_of(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/ogcapi"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/ogcapi/collections/drains/items").status_code == 200


def test_cookie_is_secure_over_https(secure_app) -> None:
    client = secure_app.test_client()
    token = csrf_of(client)
    answer = client.post("/auth/login", base_url="https://localhost",
                         data={"user": "viewer", "password": PASSWORD, "csrf_token": token})
    assert "Secure" in answer.headers["Set-Cookie"]


def test_login_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    answer = client.post("/auth/login", data={"user": "viewer", "password": PASSWORD})
    assert answer.status_code == 403
    assert "CSRF" in answer.get_json()["detail"]


def test_next_never_leaves_the_site(client: FlaskClient) -> None:
    answer = client.post("/auth/login", data={"user": "viewer", "password": PASSWORD,
                                              "next": "//evil.example.com/",
                                              "csrf_token": csrf_of(client)})
    assert answer.headers["Location"] == "/"


def test_wrong_password_says_so_in_chinese(client: FlaskClient) -> None:
    answer = log_in(client, "planner", "not-the-password")
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.get_data(as_text=True)


def test_json_login_answers_the_session(client: FlaskClient) -> None:
    token = session_csrf(client)
    answer = client.post("/auth/login", json={"user": "eng", "password": PASSWORD},
                         headers={"X-CSRF-Token": token})
    body = answer.get_json()
    assert body["user"] == "eng" and "edit" in body["permissions"]
    assert body["role_labels"] == ["工程师"] and body["csrf_token"] != token


def test_logout_ends_the_session(client: FlaskClient) -> None:
    log_in(client, "viewer")
    client.post("/auth/logout", headers={"X-CSRF-Token": session_csrf(client)})
    assert client.get("/ogcapi/collections").status_code == 401


def test_disabling_a_user_ends_their_session(client: FlaskClient, city_path) -> None:
    reg = open_registry(city_path)
    Users(reg).add("temp", PASSWORD, ["viewer"], by="test")
    log_in(client, "temp")
    assert client.get("/ogcapi/collections").status_code == 200
    Users(reg).disable("temp", by="admin")
    reg.close()
    assert client.get("/ogcapi/collections").status_code == 401
    assert "该账号已停用" in log_in(client, "temp").get_data(as_text=True)


def test_a_json_login_that_is_not_an_object_is_400(client: FlaskClient) -> None:
    answer = client.post("/auth/login", json=["eng", PASSWORD],
                         headers={"X-CSRF-Token": session_csrf(client)})
    assert answer.status_code == 400
    assert answer.get_json()["detail"] == ("send the user name and password as a form "
                                           "or a JSON object")
