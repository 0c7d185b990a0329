"""Every error a client can meet, as one JSON problem shape (RFC 9457), mapped in one place.

Registry errors answer with their class's ``status``; Flask's own 404/405/400 and any
`ValueError` raised while reading client input answer 4xx with the same body; anything else
is a logged 500 whose body says nothing about the server's internals::

    HTTP/1.1 400 BAD REQUEST
    Content-Type: application/problem+json

    {"type": "urn:infracensus:invalid-input", "title": "Invalid input", "status": 400,
     "detail": "limit must be between 1 and 10000, got 20000"}

>>> problem(404, "Not found", "unknown layer 'wells'").status_code
404
"""
from __future__ import annotations

import re

from typing import Any

import orjson
from flask import Flask, Response, current_app
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from registry.errors import RegistryError

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> Response:
    """A problem response: ``{"type", "title", "status", "detail"}``."""
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    return Response(orjson.dumps(body), status=status, mimetype=PROBLEM_TYPE)


def _slug(name: str) -> str:
    """``InvalidInput`` → ``urn:infracensus:invalid-input``."""
    return "urn:infracensus:" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def registry_problem(exc: RegistryError) -> Response:
    if exc.status >= 500:
        current_app.logger.error("registry failed: %s", exc, exc_info=exc)
    return problem(exc.status, exc.title, str(exc), _slug(type(exc).__name__))


def http_problem(exc: HTTPException) -> Response:
    response = problem(exc.code or 500, exc.name, exc.description or exc.name)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:  # say what is allowed instead
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def bad_input_problem(exc: ValueError) -> Response:
    # A ValueError escaping a view comes from reading what the client sent
    # (numbers, dates, geometries); it is their mistake, not a server failure.
    return problem(400, "Invalid input", str(exc), _slug("InvalidInput"))


def server_problem(exc: Exception) -> Response:
    current_app.logger.error("unhandled error", exc_info=exc)
    return problem(500, "Internal server error",
                   "the server failed to answer; the error has been logged")


class ClientJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply to decode is bad input (Flask
    answers that 400) rather than a RecursionError escaping as a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON body is nested too deeply") from None


def register_error_handlers(app: Flask) -> None:
    """Answer every error of `app` with a problem body (malformed JSON bodies included)."""
    provider = ClientJSONProvider(app)
    provider.__dict__.update(app.json.__dict__)  # keep the app's settings (ensure_ascii ...)
    app.json = provider
    app.register_error_handler(RegistryError, registry_problem)
    app.register_error_handler(HTTPException, http_problem)
    app.register_error_handler(ValueError, bad_input_problem)
    app.register_error_handler(Exception, server_problem)
