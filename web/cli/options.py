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

who_option = click.option("--who", default=None, metavar="NAME",
                          help="Who makes the change (default: the login name).")


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
    """The name recorded on changes: --who, else the login name."""
    if who:
        return who
    import getpass
    return getpass.getuser()
