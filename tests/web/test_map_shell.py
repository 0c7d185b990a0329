"""The application shell on every page: one navigation, the user's name and role, logout by a
POST carrying the CSRF token, Chinese by default and English with ``?lang=en``."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.auth_helpers import log_in, make_city
from web.app import create_app

PAGES = ["/", "/cases", "/cases/ranking?month=2026-10", "/plans"]


@pytest.fixture(scope="module")
def secure_app(module_location: Callable[[], str]) -> Flask:
    return create_app({"REGISTRY": make_city(module_location()), "TESTING": True,
                       "AUTH_REQUIRED": True})


def nav_of(page: str) -> list[str]:
    nav = re.search(r'<nav id="nav">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r">([^<]+)</a>", nav)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_navigation_the_user_and_logout(secure_app: Flask, path: str) -> None:
    client = secure_app.test_client()
    log_in(client, "eng")
    page = client.get(path).get_data(as_text=True)
    assert nav_of(page) == ["地图", "案件", "我的上报", "考评排名", "维修计划", "燃气改造"]
    assert '<span id="user-name">eng</span> <span id="user-role">工程师</span>' in page
    form = re.search(r'<form method="post" action="/auth/logout" id="logout">.*?</form>', page, re.S)
    assert form and re.search(r'name="csrf_token" value="[^"]{20,}"', form.group(0))


def test_the_current_page_is_marked_and_english_is_one_click_away(secure_app: Flask) -> None:
    client = secure_app.test_client()
    log_in(client, "eng")
    page = client.get("/cases").get_data(as_text=True)
    assert re.search(r'href="/cases\?lang=zh"[^>]*aria-current="page">案件<', page)
    english = re.search(r'id="language" href="([^"]+)">English<', page).group(1)
    assert nav_of(client.get(english.replace("&amp;", "&")).get_data(as_text=True)) == [
        "Map", "Cases", "My reports", "Ranking", "Plans", "Gas"]


def test_links_follow_the_users_permissions(secure_app: Flask) -> None:
    client = secure_app.test_client()
    log_in(client, "admin")
    assert "审计日志" in nav_of(client.get("/").get_data(as_text=True))
    log_in(client, "viewer")
    seen = nav_of(client.get("/").get_data(as_text=True))
    assert "审计日志" not in seen and "我的上报" not in seen and "案件" in seen


def test_logout_posts_the_pages_token_and_ends_the_session(secure_app: Flask) -> None:
    client = secure_app.test_client()
    log_in(client, "eng")
    page = client.get("/cases").get_data(as_text=True)
    token = re.search(r'id="logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/auth/logout", data={"csrf_token": "forged"}).status_code == 403
    out = client.post("/auth/logout", data={"csrf_token": token})
    assert out.status_code == 302 and out.headers["Location"].endswith("/auth/login")
    assert client.get("/api/cases").status_code == 401
