"""Who a command records as the author: the operating-system login running it, unless an
administrator vouches for another name with their own password (``--who NAME --vouch
ADMIN``, the options of `web.cli.options.who_option`), so the audit trail cannot be signed
with any name one likes. The vouching is itself
an audit entry (``cli.vouch``: the admin, the name, the OS login).

    infracensus user add -r city.gpkg li --role viewer --who wang --vouch admin

The admin's password is prompted for, or read from ``INFRACENSUS_VOUCH_PASSWORD`` (scripts).
"""
from __future__ import annotations

import getpass
import os

import click

from registry import audit
from registry.api import Registry
from registry.errors import Forbidden, Unauthorized
from registry.users import Users

PASSWORD_ENV = "INFRACENSUS_VOUCH_PASSWORD"

def os_user() -> str:
    """The login running the command."""
    return getpass.getuser()


def author(reg: Registry, who: str | None, vouch: str | None) -> str:
    """The name to record: the OS login, or `who` when the admin `vouch` proves it."""
    me = os_user()
    if not who or (who == me and not vouch):
        return me
    if not vouch:
        raise Forbidden(f"--who {who} is not you ({me}): add --vouch ADMIN, an administrator "
                        "who confirms it with their password")
    password = os.environ.get(PASSWORD_ENV) or click.prompt(
        f"Password of {vouch} (vouching for {who})", hide_input=True)
    login = Users(reg).authenticate(vouch, password, address=f"cli:{me}")
    if login.user is None:
        raise Unauthorized(f"--vouch {vouch}: {login.reason}")
    if not login.user.can("admin"):
        raise Forbidden(f"--vouch {vouch}: only an administrator can vouch for another name")
    audit.record(reg, "cli.vouch", vouch, target=f"user:{who}",
                 detail={"os_user": me, "for": who})
    return who
