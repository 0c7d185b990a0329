"""The pages under the Content-Security-Policy in headless Chromium: the login page and the
OGC API's HTML are styled from this site's CSS and raise no policy violation (Chromium
reports each one as a console error); the map page is covered by test_map_page.py."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and found.append(m.text))
    return found


def test_the_login_page_is_styled_and_breaks_no_policy(page, live_server) -> None:
    blocked = violations(page)
    answer = page.goto(f"{live_server}/auth/login")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    width = page.evaluate("getComputedStyle(document.querySelector('form')).maxWidth")
    assert width == "352px"  # 22rem from static/auth/login.css
    assert blocked == [] and page.console_errors == []


def test_the_ogc_api_pages_break_no_policy(page, live_server) -> None:
    blocked = violations(page)
    page.goto(f"{live_server}/ogcapi/collections?f=html")
    page.goto(f"{live_server}/ogcapi/collections/drains/items?f=html&limit=5")
    assert blocked == [] and page.console_errors == []


def test_a_page_with_an_inline_script_would_be_caught(page, live_server) -> None:
    # The check can fail: an inline script injected into a served page is refused and reported.
    blocked = violations(page)
    page.goto(f"{live_server}/auth/login")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.ran = 1'; document.body.append(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None and blocked
