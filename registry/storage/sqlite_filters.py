"""Compile a `registry.filters` tree into an SQLite WHERE clause with bound parameters.

Spatial predicates call the ``infracensus_spatial`` SQL function, which `gpkg.py` registers
on each connection; the geometries are passed by key, never as SQL text.

>>> from registry.filters import parse_where
>>> sql, params = compile_filter(parse_where("condition >= 4 and material in (pe, steel)"),
...                              {"condition", "material"}, {})
>>> sql, params
('(t."condition" >= ? AND t."material" IN (?, ?))', [4, 'pe', 'steel'])
"""
from __future__ import annotations

from typing import Any, Callable

from shapely.geometry.base import BaseGeometry

from registry.errors import InvalidInput
from registry.filters import (COMPARE_OPS, SPATIAL_OPS, And, Between, Compare, Filter, In,
                              IsNull, Like, Not, Or, Spatial)


def compile_filter(node: Filter, columns: set[str],
                   spatial_args: dict[int, tuple[str, BaseGeometry]]) -> tuple[str, list]:
    """SQL text and parameters for `node`; spatial operands are stored in `spatial_args`."""
    params: list[Any] = []
    sql = _compile(node, columns, params, spatial_args)
    return sql, params


def _column(field: str, columns: set[str]) -> str:
    if field not in columns:
        raise InvalidInput(f"unknown field {field!r}; fields: {', '.join(sorted(columns))}")
    return f't."{field}"'


def _compile(node: Filter, columns: set[str], params: list, spatial: dict) -> str:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise InvalidInput(f"unsupported filter {node!r}")
    return handler(node, columns, params, spatial)


def _compare(node: Compare, columns: set[str], params: list, spatial: dict) -> str:
    # Checked again where it becomes SQL text: a node may have been built around its checks.
    if node.op not in COMPARE_OPS:
        raise InvalidInput(f"unknown comparison {node.op!r}")
    params.append(node.value)
    return f"{_column(node.field, columns)} {node.op} ?"


def _in(node: In, columns: set[str], params: list, spatial: dict) -> str:
    params.extend(node.values)
    return f"{_column(node.field, columns)} IN ({', '.join('?' * len(node.values))})"


def _like(node: Like, columns: set[str], params: list, spatial: dict) -> str:
    params.append(node.pattern)
    return f"{_column(node.field, columns)} LIKE ?"


def _between(node: Between, columns: set[str], params: list, spatial: dict) -> str:
    params.extend([node.low, node.high])
    return f"{_column(node.field, columns)} BETWEEN ? AND ?"


def _is_null(node: IsNull, columns: set[str], params: list, spatial: dict) -> str:
    return f"{_column(node.field, columns)} IS NULL"


def _spatial(node: Spatial, columns: set[str], params: list, spatial: dict) -> str:
    if node.op not in SPATIAL_OPS:
        raise InvalidInput(f"unknown spatial predicate {node.op!r}")
    key = len(spatial)
    spatial[key] = (node.op, node.geometry)
    params.append(key)
    return "infracensus_spatial(t.geom, ?)"


def _junction(word: str) -> Callable:
    def compile_items(node: And | Or, columns: set[str], params: list, spatial: dict) -> str:
        parts = [_compile(item, columns, params, spatial) for item in node.items]
        return "(" + f" {word} ".join(parts) + ")"
    return compile_items


def _not(node: Not, columns: set[str], params: list, spatial: dict) -> str:
    return f"NOT ({_compile(node.item, columns, params, spatial)})"


_HANDLERS: dict[type, Callable] = {
    Compare: _compare, In: _in, Like: _like, Between: _between, IsNull: _is_null,
    Spatial: _spatial, And: _junction("AND"), Or: _junction("OR"), Not: _not,
}
