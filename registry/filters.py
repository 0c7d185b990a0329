"""Attribute and spatial filters as a small expression tree shared by every front end.

The CLI's ``--where "condition >= 4"``, the Python API and the web's CQL2 text all become
the same tree, which each storage backend compiles to SQL with bound parameters.

>>> parse_where("condition >= 4 and material in (grey_cast_iron, pe)")
And(items=(Compare(field='condition', op='>=', value=4), In(field='material', values=('grey_cast_iron', 'pe'))))
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Union

from shapely.geometry.base import BaseGeometry

from registry.errors import InvalidInput

COMPARE_OPS = ("=", "<>", "<", "<=", ">", ">=")
SPATIAL_OPS = ("intersects", "within", "contains", "disjoint")


@dataclass(frozen=True)
class Compare:
    """``field op value``; `op` is one of `COMPARE_OPS`, checked here because backends paste
    it into SQL (a value is always a bound parameter).

    >>> Compare("condition", "= 1 OR 1=1 OR condition =", 2)
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInput: unknown comparison '= 1 OR 1=1 OR condition =': use one of = <> < <= > >=
    """

    field: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if not isinstance(self.op, str) or self.op not in COMPARE_OPS:
            raise InvalidInput(f"unknown comparison {self.op!r}: use one of "
                               f"{' '.join(COMPARE_OPS)}")


@dataclass(frozen=True)
class In:
    field: str
    values: tuple


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str


@dataclass(frozen=True)
class Between:
    field: str
    low: Any
    high: Any


@dataclass(frozen=True)
class IsNull:
    field: str


@dataclass(frozen=True)
class Spatial:
    """A spatial predicate between the asset's geometry and `geometry` (storage CRS)."""

    op: str
    geometry: BaseGeometry

    def __post_init__(self) -> None:
        if not isinstance(self.op, str) or self.op not in SPATIAL_OPS:
            raise InvalidInput(f"unknown spatial predicate {self.op!r}: use one of "
                               f"{', '.join(SPATIAL_OPS)}")


@dataclass(frozen=True)
class And:
    items: tuple["Filter", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Filter", ...]


@dataclass(frozen=True)
class Not:
    item: "Filter"


Filter = Union[Compare, In, Like, Between, IsNull, Spatial, And, Or, Not]


def fields_of(node: Filter) -> Iterator[str]:
    """Every attribute name a filter refers to."""
    if isinstance(node, (And, Or)):
        for item in node.items:
            yield from fields_of(item)
    elif isinstance(node, Not):
        yield from fields_of(node.item)
    elif not isinstance(node, Spatial):
        yield node.field


def spatial_prefilter(node: Filter | None) -> BaseGeometry | None:
    """A geometry every match must intersect, when the filter implies one (for index use)."""
    if isinstance(node, Spatial) and node.op in ("intersects", "within"):
        return node.geometry
    if isinstance(node, And):
        for item in node.items:
            found = spatial_prefilter(item)
            if found is not None:
                return found
    return None


def conjunction(*nodes: Filter | None) -> Filter | None:
    """AND of the given filters, skipping None."""
    present = tuple(n for n in nodes if n is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else And(present)


_TOKEN = re.compile(r"""\s*(?:
    (?P<num>-?\d+(?:\.\d+)?)(?![\w.])
  | '(?P<str>(?:[^']|'')*)'
  | (?P<op><>|!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[^\s(),'<>=!]+)
)""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InvalidInput(f"cannot read the filter {text!r} at {text[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        value: Any = m.group(kind)
        if kind == "num":
            value = float(value) if "." in value else int(value)
        elif kind == "str":
            value = value.replace("''", "'")
        elif kind == "op" and value == "!=":
            value = "<>"
        out.append((kind, value))
    return out


_EXPECTED = {"op": "a comparison (=, <>, <, <=, >, >=, IN, LIKE, BETWEEN, IS NULL)",
             "word": "a field name"}


class _WhereParser:
    """Recursive-descent parser for the planners' filter syntax (a CQL2-text subset)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def fail(self, what: str) -> InvalidInput:
        return InvalidInput(f"filter {self.text!r}: {what}")

    def peek_word(self) -> str | None:
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "word":
            return str(self.tokens[self.pos][1]).lower()
        return None

    def take(self, kind: str | None = None, value: Any = None) -> Any:
        if self.pos >= len(self.tokens):
            raise self.fail("ends too early")
        tok_kind, tok_value = self.tokens[self.pos]
        if kind and tok_kind != kind or value is not None and str(tok_value).lower() != value:
            wanted = value or _EXPECTED.get(kind or "", kind)
            raise self.fail(f"expected {wanted}, found {tok_value!r}")
        self.pos += 1
        return tok_value

    def parse(self) -> Filter:
        node = self.disjunction()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def disjunction(self) -> Filter:
        items = [self.conjunction()]
        while self.peek_word() == "or":
            self.pos += 1
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Filter:
        items = [self.negation()]
        while self.peek_word() == "and":
            self.pos += 1
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self) -> Filter:
        if self.peek_word() == "not":
            self.pos += 1
            return Not(self.negation())
        if self.tokens[self.pos:self.pos + 1] == [("punct", "(")]:
            self.pos += 1
            node = self.disjunction()
            self.take("punct", ")")
            return node
        return self.predicate()

    def literal(self) -> Any:
        kind, value = self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)
        if kind in ("num", "str", "word"):
            self.pos += 1
            return value
        raise self.fail("expected a value")

    def predicate(self) -> Filter:
        field = self.take("word")
        word = self.peek_word()
        negate = word == "not"
        if negate:
            self.pos += 1
            word = self.peek_word()
        node = self._predicate_tail(field, word)
        return Not(node) if negate else node

    def _predicate_tail(self, field: str, word: str | None) -> Filter:
        if word == "in":
            self.pos += 1
            self.take("punct", "(")
            values = [self.literal()]
            while self.tokens[self.pos:self.pos + 1] == [("punct", ",")]:
                self.pos += 1
                values.append(self.literal())
            self.take("punct", ")")
            return In(field, tuple(values))
        if word == "like":
            self.pos += 1
            return Like(field, str(self.literal()))
        if word == "between":
            self.pos += 1
            low = self.literal()
            self.take("word", "and")
            return Between(field, low, self.literal())
        if word == "is":
            self.pos += 1
            if self.peek_word() == "not":
                self.pos += 1
                self.take("word", "null")
                return Not(IsNull(field))
            self.take("word", "null")
            return IsNull(field)
        op = self.take("op")
        return Compare(field, op, self.literal())


def parse_where(text: str) -> Filter:
    """Parse ``"install_year < 2006 and material in (grey_cast_iron)"`` into a filter tree.

    Supports =, <>, <, <=, >, >=, IN (...), LIKE, BETWEEN .. AND .., IS [NOT] NULL,
    AND, OR, NOT and parentheses. Bare words are text values.

    >>> parse_where("state = damaged")
    Compare(field='state', op='=', value='damaged')
    """
    if not text or not text.strip():
        raise InvalidInput("empty filter")
    return _WhereParser(text).parse()
