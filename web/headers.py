"""Security headers on every response: a Content-Security-Policy that lets pages load only
this site's own scripts, styles, images and tiles (MapLibre draws with a ``blob:`` worker
and ``data:``/``blob:`` images; JSON configuration blocks are data, not script), no framing
by other sites (clickjacking), no MIME sniffing, and no full URLs in the Referer.

Inline style attributes stay allowed (``style-src-attr``): a page colours its legend
swatches with them; inline script, ``<style>`` elements and ``eval`` do not.

>>> from flask import Flask
>>> app = Flask(__name__); app.after_request(add_security_headers)  # doctest: +ELLIPSIS
<function add_security_headers at ...>
>>> app.test_client().get("/").headers["X-Frame-Options"]
'DENY'
"""
from __future__ import annotations

from flask import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'",
    "style-src-attr 'unsafe-inline'", "img-src 'self' data: blob:",
    "worker-src 'self' blob:", "child-src 'self' blob:", "connect-src 'self'",
    "font-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """The ``after_request`` hook: set each header the view did not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
