"""Options shared by the commands, and turning registry errors into one clear line.

>>> parse_bbox("114.5,38.0,114.6,38.1")
(114.5, 38.0, 114.6, 38.1)
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import click

import registry
from registry.errors import RegistryError

registry_option = click.option(
    "-r", "--registry", "registry_url", envvar="INFRACENSUS_REGISTRY", required=True,
    metavar="PATH_OR_URL", help="The registry: a .gpkg file or a postgresql:// URL "
                               "(or set INFRACENSUS_REGISTRY).")

#: Where `--vouch` is kept for `default_who` (it is not a parameter of the commands).
VOUCH_KEY = "infracensus.vouch"


def _keep_vouch(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    ctx.meta[VOUCH_KEY] = value


def who_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--who NAME`` and ``--vouch ADMIN``: the author recorded is the OS login unless an
    administrator vouches for another name with their password (`web.cli.vouch`)."""
    command = click.option(
        "--vouch", default=None, metavar="ADMIN", expose_value=False, callback=_keep_vouch,
        help="An administrator who confirms --who with their password (prompted for, or "
             "INFRACENSUS_VOUCH_PASSWORD).")(command)
    return click.option("--who", default=None, metavar="NAME",
                        help="Who makes the change (default: your login name; another "
                             "name needs --vouch).")(command)


def open_registry(url: str) -> registry.Registry:
    """Open the registry named on the command line."""
    return registry.open(url)


def clear_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Report RegistryError as one line on stderr and a non-zero exit, never a traceback."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RegistryError as exc:
            raise click.ClickException(str(exc)) from exc
    return run


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """A ``minx,miny,maxx,maxy`` option value as four floats."""
    if text is None:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not minx,miny,maxx,maxy") from None
    if len(values) != 4:
        raise click.BadParameter(f"{text!r} is not minx,miny,maxx,maxy")
    return values  # type: ignore[return-value]


def default_who(who: str | None) -> str:
    """The name recorded on changes: the login name, or --who when an admin vouches for it
    (checked against the registry of this command's --registry)."""
    from web.cli import vouch  # loads the accounts' code only when a name is claimed
    me = vouch.os_user()
    if not who or who == me:
        return me
    ctx = click.get_current_context()
    reg = open_registry(ctx.params["registry_url"])
    try:
        return vouch.author(reg, who, ctx.meta.get(VOUCH_KEY))
    finally:
        reg.close()
