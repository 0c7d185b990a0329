"""The two refusals of the auth layer, in the registry's one error hierarchy so that
`web.errors` answers them with the usual problem body.

>>> Unauthorized("log in first").status, Forbidden("admins only").status
(401, 403)
"""
from __future__ import annotations

from registry.errors import RegistryError


class Unauthorized(RegistryError, PermissionError):
    """The request carries no valid login or token."""

    status = 401
    title = "Unauthorized"


class Forbidden(RegistryError, PermissionError):
    """The caller is known but may not do this (role, scope or CSRF token)."""

    status = 403
    title = "Forbidden"
