"""One error hierarchy for the whole registry.

Every error carries a message that is safe to show a user. Each subclass also inherits the
builtin it resembles, so callers that know nothing of Infracensus can still catch it
(as Fiona does).

>>> try:
...     raise NotFound("no asset 42")
... except LookupError as exc:
...     print(exc)
no asset 42
"""
from __future__ import annotations


class RegistryError(Exception):
    """Root of every error Infracensus raises on purpose."""

    #: HTTP status the web layer answers with; the CLI only uses the message.
    status = 500
    title = "Registry error"


class InvalidInput(RegistryError, ValueError):
    """The caller sent something the registry cannot accept (bad value, geometry, filter)."""

    status = 400
    title = "Invalid input"


class NotFound(RegistryError, LookupError):
    """A layer, asset, batch or file that does not exist."""

    status = 404
    title = "Not found"


class Conflict(RegistryError):
    """The change collides with what is stored (stale version, duplicate id, used code)."""

    status = 409
    title = "Conflict"


class Unauthorized(RegistryError, PermissionError):
    """The request carries no valid login or token."""

    status = 401
    title = "Unauthorized"


class Forbidden(RegistryError, PermissionError):
    """The caller is known but may not do this (role, scope or CSRF token)."""

    status = 403
    title = "Forbidden"


class LayerDefinitionError(RegistryError, ValueError):
    """A layer file in `layers/` is broken; raised at start-up with the file and key named."""

    title = "Broken layer definition"


class StorageError(RegistryError, OSError):
    """The storage cannot be opened or is not an Infracensus registry."""

    title = "Storage error"


class ReadOnly(StorageError):
    """The registry can be read here but not changed: a PostgreSQL read replica (hot standby).
    Changes, logins included, go to the primary server."""

    status = 503
    title = "Read-only registry"


class RecordErrors(InvalidInput):
    """Several records failed validation; ``problems`` lists each one.

    Each problem is a dict with ``row``, ``asset``, ``field``, ``value`` and ``reason``.
    """

    def __init__(self, problems: list[dict], context: str = "") -> None:
        self.problems = problems
        first = problems[0]
        where = f"{context}: " if context else ""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{where}{describe_problem(first)}{more}")


def describe_problem(problem: dict) -> str:
    """One line naming the record, field and value of a validation problem.

    >>> describe_problem({"row": 3, "field": "depth_m", "value": -1, "reason": "below 0.2"})
    'row 3, field depth_m, value -1: below 0.2'
    """
    parts = []
    if problem.get("asset"):
        parts.append(f"asset {problem['asset']}")
    if problem.get("row") is not None:
        parts.append(f"row {problem['row']}")
    if problem.get("field"):
        parts.append(f"field {problem['field']}")
    if "value" in problem:
        parts.append(f"value {problem['value']!r}" if isinstance(problem["value"], str)
                     else f"value {problem['value']}")
    return ", ".join(parts) + f": {problem['reason']}"
