"""`infracensus user`: accounts, roles and API tokens.

    infracensus user add -r city.gpkg wang --role engineer --department 市政处
    infracensus user token -r city.gpkg crew7 --label "班组7 手持终端" --expires 30
    infracensus user rotate -r city.gpkg 3f9c0a1b2c4d
    infracensus user revoke -r city.gpkg 3f9c0a1b2c4d

Accounts and tokens live in the registry's auth store (``city.auth.sqlite`` beside a
GeoPackage), never in the registry file.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import click

from registry.users import ROLE_LABELS, ROLES, TOKEN_LIFETIME, User, Users
from web.cli.options import VOUCH_KEY, clear_errors, open_registry, registry_option, who_option
from web.cli.vouch import author

expires_option = click.option(
    "--expires", "expires", default=str(TOKEN_LIFETIME.days), show_default=True,
    metavar="DAYS|DATE", help="How long the token is valid: a number of days, or the last "
                              "day (YYYY-MM-DD, UTC).")


def lifetime(text: str) -> timedelta:
    """`--expires` as a duration from now.

    >>> lifetime("30")
    datetime.timedelta(days=30)
    """
    if text.isdigit():
        days = timedelta(days=int(text))
    else:
        try:
            last = date.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(f"{text!r} is neither a number of days nor a "
                                     "YYYY-MM-DD date", param_hint="--expires") from None
        end = datetime(last.year, last.month, last.day, tzinfo=timezone.utc) + timedelta(days=1)
        days = end - datetime.now(timezone.utc)
    if days <= timedelta(0):
        raise click.BadParameter("the token would be expired already", param_hint="--expires")
    return days


role_option = click.option("--role", "roles", multiple=True, required=True,
                           type=click.Choice(list(ROLES)), help="A role (repeat for several).")


def _users(registry_url: str) -> Users:
    return Users(open_registry(registry_url))


def _author(users: Users, who: str | None) -> str:
    """The author to record, checked against the registry already open (`default_who`)."""
    return author(users.reg, who, click.get_current_context().meta.get(VOUCH_KEY))


def _password(given: str | None) -> str:
    if given is not None:
        return given
    return click.prompt("Password 密码", hide_input=True, confirmation_prompt=True)


@click.group()
def user() -> None:
    """Manage users, their roles and API tokens (用户与权限)."""


@user.command()
@registry_option
@click.argument("name")
@role_option
@click.option("--display-name", default="", help="The name shown in the interface.")
@click.option("--department", default=None, help="Limit the user to a department.")
@click.option("--grid", "grids", multiple=True, help="Limit the user to a grid (repeatable).")
@click.option("--password", default=None, help="The password (prompted for if not given).")
@who_option
@clear_errors
def add(registry_url: str, name: str, roles: tuple[str, ...], display_name: str,
        department: str | None, grids: tuple[str, ...], password: str | None,
        who: str | None) -> None:
    """Add the user NAME."""
    users = _users(registry_url)
    added = users.add(name, _password(password), roles, by=_author(users, who),
                                     display_name=display_name, department=department,
                                     grids=grids)
    click.echo(f"用户 User {added.name} added: {describe(added)}")


@user.command("list")
@registry_option
@clear_errors
def list_users(registry_url: str) -> None:
    """List every user with roles, scope and state."""
    for found in _users(registry_url).all():
        click.echo(f"{found.name}\t{describe(found)}")


@user.command()
@registry_option
@click.argument("name")
@role_option
@who_option
@clear_errors
def roles(registry_url: str, name: str, roles: tuple[str, ...], who: str | None) -> None:
    """Give NAME exactly these roles (their sessions end)."""
    users = _users(registry_url)
    changed = users.set_roles(name, roles, by=_author(users, who))
    click.echo(f"用户 User {name}: {describe(changed)}")


@user.command()
@registry_option
@click.argument("name")
@click.option("--password", default=None, help="The new password (prompted for if not given).")
@who_option
@clear_errors
def password(registry_url: str, name: str, password: str | None, who: str | None) -> None:
    """Set NAME's password (their sessions end, a login throttle is lifted)."""
    users = _users(registry_url)
    users.set_password(name, _password(password), by=_author(users, who))
    click.echo(f"用户 User {name}: password changed")


@user.command()
@registry_option
@click.argument("name")
@who_option
@clear_errors
def disable(registry_url: str, name: str, who: str | None) -> None:
    """Disable NAME: no more logins, sessions or tokens."""
    users = _users(registry_url)
    users.disable(name, by=_author(users, who))
    click.echo(f"用户 User {name} disabled 已停用")


@user.command()
@registry_option
@click.argument("name")
@who_option
@clear_errors
def enable(registry_url: str, name: str, who: str | None) -> None:
    """Enable NAME again (and lift a login throttle)."""
    users = _users(registry_url)
    users.enable(name, by=_author(users, who))
    click.echo(f"用户 User {name} enabled")


@user.command()
@registry_option
@click.argument("name")
@click.option("--label", default="", help="What the token is for (a crew's app, a script).")
@click.option("--list", "listing", is_flag=True, help="List NAME's tokens instead.")
@expires_option
@who_option
@clear_errors
def token(registry_url: str, name: str, label: str, listing: bool, expires: str,
          who: str | None) -> None:
    """Issue an API token for NAME (shown once: store it now), or --list them."""
    users = _users(registry_url)
    if listing:
        for found in users.tokens(name):
            click.echo(token_line(found))
        return
    by = _author(users, who)
    click.echo(users.issue_token(name, label, by=by, lifetime=lifetime(expires)))
    click.echo("Send it as 'Authorization: Bearer <token>'; it is not shown again.", err=True)


@user.command()
@registry_option
@click.argument("token_id")
@expires_option
@who_option
@clear_errors
def rotate(registry_url: str, token_id: str, expires: str, who: str | None) -> None:
    """Replace the API token TOKEN_ID by a new one (same user and label); the old one is
    revoked at once."""
    users = _users(registry_url)
    click.echo(users.rotate_token(token_id, by=_author(users, who),
                                  lifetime=lifetime(expires)))
    click.echo(f"Token {token_id} revoked; send the new one as 'Authorization: Bearer <token>'.",
               err=True)


@user.command()
@registry_option
@click.argument("token_id")
@who_option
@clear_errors
def revoke(registry_url: str, token_id: str, who: str | None) -> None:
    """Revoke the API token TOKEN_ID (the 12 characters after 'ic_')."""
    users = _users(registry_url)
    users.revoke(token_id, by=_author(users, who))
    click.echo(f"令牌 Token {token_id} revoked")


def describe(found: User) -> str:
    """Roles (with their Chinese names), scope and state in one line."""
    roles = ", ".join(f"{r} {ROLE_LABELS[r]}" for r in found.roles)
    scope = [f"department {found.department}"] if found.department else []
    scope += [f"grids {','.join(found.grids)}"] if found.grids else []
    state = ["DISABLED 已停用"] if found.disabled else []
    return "; ".join([roles, *scope, *state])


def token_line(found: dict[str, Any]) -> str:
    state = f"revoked {found['revoked_at']}" if found["revoked_at"] else "active"
    expires = f"expires {found.get('expires_at') or '-'}"
    return (f"{found['id']}\t{found['label'] or '-'}\tcreated {found['created_at']}\t"
            f"{expires}\t{state}")
