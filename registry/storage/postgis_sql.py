"""The filter tree (`registry.filters`) compiled to PostgreSQL with bound parameters.

Values only ever travel as parameters, coerced first to the field's type so that a bad value
is the user's error (InvalidInput), not a server error; identifiers come only from the layer
definition and are quoted by `psycopg.sql`.

>>> from registry.layers import load_layers
>>> from registry.filters import parse_where
>>> params = Params()
>>> where = compile_filter(parse_where("condition >= 4"), load_layers()["drains"], 4490, params)
>>> where.as_string(None), params
('"condition" >= %(p0)s', {'p0': 4})
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

import shapely
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from registry.change import parse_moment
from registry.errors import InvalidInput
from registry.filters import (And, Between, Compare, Filter, In, IsNull, Like, Not, Or,
                              Spatial)
from registry.layers import SYSTEM_COLUMNS, Layer
from registry.storage.postgis_schema import field_type

SPATIAL_FUNCTIONS = {"intersects": "ST_Intersects", "within": "ST_Within",
                     "contains": "ST_Contains", "disjoint": "ST_Disjoint"}


class Params(dict):
    """The bound parameters of one statement; calling it binds a value, giving its placeholder.

    >>> p = Params()
    >>> p(3).as_string(None), p("x").as_string(None), p
    ('%(p0)s', '%(p1)s', {'p0': 3, 'p1': 'x'})
    """

    def __call__(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self)}"
        self[name] = value
        return sql.Placeholder(name)

    def geometry(self, geom: BaseGeometry, srid: int) -> sql.Composed:
        """A geometry parameter, sent as WKB."""
        return sql.SQL("ST_GeomFromWKB({}, {})").format(self(shapely.to_wkb(geom)), self(srid))


@dataclass(frozen=True)
class _Context:
    layer: Layer
    srid: int
    params: Params

    def column(self, name: str) -> sql.Identifier:
        if name not in SYSTEM_COLUMNS and name not in self.layer.field_names:
            known = sorted([*SYSTEM_COLUMNS, *self.layer.field_names])
            raise InvalidInput(f"unknown field {name!r}; fields: {', '.join(known)}")
        return sql.Identifier(name)

    def value(self, name: str, value: Any) -> sql.Placeholder:
        return self.params(coerce(field_type(self.layer, name), value, name))


def compile_filter(node: Filter, layer: Layer, srid: int, params: Params) -> sql.Composable:
    """SQL for a filter tree over a layer's columns; values go into `params`."""
    return _compile(node, _Context(layer, srid, params))


def _compile(node: Filter, ctx: _Context) -> sql.Composable:
    try:
        compiler = _COMPILERS[type(node)]
    except KeyError:
        raise InvalidInput(f"not a filter: {node!r}") from None
    return compiler(node, ctx)


def _compare(node: Compare, ctx: _Context) -> sql.Composable:
    if node.op not in ("=", "<>", "<", "<=", ">", ">="):
        raise InvalidInput(f"unknown comparison {node.op!r}")
    return sql.SQL("{} {} {}").format(ctx.column(node.field), sql.SQL(node.op),
                                      ctx.value(node.field, node.value))


def _in(node: In, ctx: _Context) -> sql.Composable:
    if not node.values:
        return sql.SQL("FALSE")
    column = ctx.column(node.field)
    kind = field_type(ctx.layer, node.field)
    values = [coerce(kind, v, node.field) for v in node.values]
    return sql.SQL("{} = ANY({})").format(column, ctx.params(values))


def _like(node: Like, ctx: _Context) -> sql.Composable:
    # SQLite's LIKE (the GeoPackage backend) ignores ASCII case and has no escape character.
    return sql.SQL("CAST({} AS text) ILIKE {} ESCAPE ''").format(
        ctx.column(node.field), ctx.params(str(node.pattern)))


def _between(node: Between, ctx: _Context) -> sql.Composable:
    return sql.SQL("{} BETWEEN {} AND {}").format(
        ctx.column(node.field), ctx.value(node.field, node.low), ctx.value(node.field, node.high))


def _is_null(node: IsNull, ctx: _Context) -> sql.Composable:
    return sql.SQL("{} IS NULL").format(ctx.column(node.field))


def _spatial(node: Spatial, ctx: _Context) -> sql.Composable:
    if node.op not in SPATIAL_FUNCTIONS:
        raise InvalidInput(f"unknown spatial predicate {node.op!r}; "
                           f"expected one of {', '.join(SPATIAL_FUNCTIONS)}")
    return sql.SQL("{}(geom, {})").format(sql.SQL(SPATIAL_FUNCTIONS[node.op]),
                                         ctx.params.geometry(node.geometry, ctx.srid))


def _junction(word: str, empty: str) -> Callable[[And | Or, _Context], sql.Composable]:
    def compile_items(node: And | Or, ctx: _Context) -> sql.Composable:
        parts = [sql.SQL("({})").format(_compile(item, ctx)) for item in node.items]
        return sql.SQL(f" {word} ").join(parts) if parts else sql.SQL(empty)
    return compile_items


def _not(node: Not, ctx: _Context) -> sql.Composable:
    return sql.SQL("NOT ({})").format(_compile(node.item, ctx))


_COMPILERS: dict[type, Callable[[Any, _Context], sql.Composable]] = {
    Compare: _compare, In: _in, Like: _like, Between: _between, IsNull: _is_null,
    Spatial: _spatial, And: _junction("AND", "TRUE"), Or: _junction("OR", "FALSE"), Not: _not}


def coerce(kind: str, value: Any, name: str) -> Any:
    """A filter value as the field's type, or InvalidInput naming the field.

    >>> coerce("int", "4", "condition"), coerce("date", "2026-03-01", "last_cleaned")
    (4, datetime.date(2026, 3, 1))
    """
    try:
        return _COERCE[kind](value)
    except (TypeError, ValueError, KeyError, OverflowError):
        raise InvalidInput(f"field {name} holds {kind} values; {value!r} is not one") from None


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(value)
    if isinstance(value, str):
        return float(value) if any(c in value for c in ".eE") else int(value)
    return value


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else _BOOL_WORDS[str(value).strip().lower()]


def _timestamp(value: Any) -> datetime:
    return value if isinstance(value, datetime) else parse_moment(str(value))


_COERCE: dict[str, Callable[[Any], Any]] = {
    "text": str, "int": _number, "float": _number, "date": _date, "bool": _bool,
    "timestamp": _timestamp}
