"""CQL2 text (OGC 21-065) filters, parsed into the registry's filter tree.

The subset served by ``/ogcapi``: comparisons (``= <> < <= > >=``), ``[NOT] IN (...)``,
``[NOT] LIKE``, ``[NOT] BETWEEN .. AND ..``, ``IS [NOT] NULL``, the spatial functions
``S_INTERSECTS``, ``S_DISJOINT``, ``S_WITHIN`` and ``S_CONTAINS`` with WKT or ``BBOX(...)``
literals, ``AND``/``OR``/``NOT`` and parentheses; ``TRUE``/``FALSE``, ``DATE('...')`` and
``TIMESTAMP('...')`` literals. Keywords are case-insensitive. A filter that cannot be read
is `InvalidInput` naming the character position where reading stopped. Limits keep a
hostile filter from costing the server: at most ``MAX_LENGTH`` characters, ``MAX_DEPTH``
levels of parentheses and ``NOT``, and whole numbers that fit 64 bits (what both storages
compare).

>>> parse_cql2("condition >= 4 AND material IN ('pe', 'steel')")
And(items=(Compare(field='condition', op='>=', value=4), In(field='material', values=('pe', 'steel'))))
>>> parse_cql2("S_INTERSECTS(geometry, BBOX(114.5, 38.0, 114.6, 38.1))").op
'intersects'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Collection

import shapely
from shapely.geometry.base import BaseGeometry

from registry.errors import InvalidInput
from registry.filters import And, Between, Compare, Filter, In, IsNull, Like, Not, Or, Spatial

GEOMETRY_PROPERTY = "geometry"
WKT_TYPES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
             "MULTIPOLYGON", "GEOMETRYCOLLECTION")
SPATIAL_FUNCTIONS = {"S_INTERSECTS": "intersects", "S_DISJOINT": "disjoint",
                     "S_WITHIN": "within", "S_CONTAINS": "contains"}
#: The same relation seen from the other argument: S_WITHIN(POLYGON(..), geometry) is
#: "the asset contains the polygon".
_CONVERSE = {"intersects": "intersects", "disjoint": "disjoint",
             "within": "contains", "contains": "within"}
_MIRROR = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
MAX_LENGTH = 64 * 1024
MAX_DEPTH = 32
#: The largest whole number SQLite and PostgreSQL (bigint) store.
MAX_WHOLE = 2**63 - 1

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")+")
  | (?P<op><>|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[^\W\d][\w.:]*)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, quoted, op, punct, word, end
    text: str
    pos: int  # 0-based offset into the filter text

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def whole_number(text: str, what: str = "number") -> int:
    """A whole number from text; InvalidInput beyond what the storages hold (64 bits).

    >>> whole_number("1987")
    1987
    """
    value = int(text)
    if abs(value) > MAX_WHOLE:
        raise InvalidInput(f"{what} {text[:30]}{'...' if len(text) > 30 else ''} is out of "
                           f"range: whole numbers are limited to ±{MAX_WHOLE:,}")
    return value


def tokenize(text: str) -> list[Token]:
    """Split CQL2 text into tokens, ending with an ``end`` token.

    >>> [t.text for t in tokenize("depth_m<=1.5")]
    ['depth_m', '<=', '1.5', '']
    """
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"filter: {len(text):,} characters is longer than the "
                           f"{MAX_LENGTH:,} a filter may have")
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            what = "an unclosed quote" if text[pos] in "'\"" else f"{text[pos]!r}"
            raise InvalidInput(f"filter, position {pos + 1}: cannot read {what}")
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup or "", match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over the CQL2 text grammar, one method per rule."""

    def __init__(self, text: str, properties: Collection[str] | None,
                 reproject: Callable[[BaseGeometry], BaseGeometry] | None) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        self.properties = properties
        self.reproject = reproject
        self.depth = 0

    # -- token handling -------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def fail(self, problem: str, token: Token | None = None) -> InvalidInput:
        token = token or self.token
        found = f"found {token.text!r}" if token.kind != "end" else "found the end of the filter"
        return InvalidInput(f"filter, position {token.pos + 1}: {problem}, {found}")

    def advance(self) -> Token:
        token = self.token
        self.at += token.kind != "end"
        return token

    def accept(self, keyword: str) -> bool:
        if self.token.keyword == keyword or self.token.kind == "punct" and self.token.text == keyword:
            self.advance()
            return True
        return False

    def expect(self, keyword: str) -> None:
        if not self.accept(keyword):
            raise self.fail(f"expected {keyword!r}")

    # -- boolean structure ----------------------------------------------------------------
    def parse(self) -> Filter:
        node = self.disjunction()
        if self.token.kind != "end":
            raise self.fail("expected AND, OR or the end of the filter")
        return node

    def disjunction(self) -> Filter:
        items = [self.conjunction()]
        while self.accept("OR"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Filter:
        items = [self.factor()]
        while self.accept("AND"):
            items.append(self.factor())
        return items[0] if len(items) == 1 else And(tuple(items))

    def factor(self) -> Filter:
        if self.token.keyword == "NOT" or self.token.text == "(":
            return self.nested()
        if self.token.keyword in SPATIAL_FUNCTIONS:
            return self.spatial()
        return self.predicate()

    def nested(self) -> Filter:
        """``NOT ...`` or ``( ... )``, at most ``MAX_DEPTH`` levels deep."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")
        if self.accept("NOT"):
            node: Filter = Not(self.factor())
        else:
            self.expect("(")
            node = self.disjunction()
            self.expect(")")
        self.depth -= 1
        return node

    # -- predicates -----------------------------------------------------------------------
    def predicate(self) -> Filter:
        start = self.token
        left = self.operand()
        negate = self.accept("NOT")
        keyword = self.token.keyword
        if keyword in ("LIKE", "BETWEEN", "IN") or (keyword == "IS" and not negate):
            node = self.special_predicate(self.property_of(left, start))
        elif negate:
            raise self.fail("expected LIKE, BETWEEN or IN after NOT")
        else:
            node = self.comparison(left, start)
        return Not(node) if negate else node

    def special_predicate(self, field: str) -> Filter:
        keyword = self.advance().keyword
        if keyword == "LIKE":
            pattern = self.literal()
            if not isinstance(pattern, str):
                raise self.fail("LIKE needs a text pattern", self.tokens[self.at - 1])
            return Like(field, pattern)
        if keyword == "BETWEEN":
            low = self.literal()
            self.expect("AND")
            return Between(field, low, self.literal())
        if keyword == "IN":
            return In(field, self.literal_list())
        null_check: Filter = Not(IsNull(field)) if self.accept("NOT") else IsNull(field)
        self.expect("NULL")
        return null_check

    def comparison(self, left: tuple[str, Any], start: Token) -> Filter:
        if self.token.kind != "op":
            raise self.fail("expected a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS")
        op = self.advance().text
        right_token = self.token
        right = self.operand()
        if left[0] == "property" and right[0] == "literal":
            return Compare(left[1], op, right[1])
        if left[0] == "literal" and right[0] == "property":
            return Compare(right[1], _MIRROR[op], left[1])
        raise self.fail("a comparison needs one property and one value",
                        start if left[0] == "literal" else right_token)

    def operand(self) -> tuple[str, Any]:
        token = self.token
        if token.kind == "quoted" or (token.kind == "word" and not self.is_literal_word(token)):
            self.advance()
            name = token.text[1:-1].replace('""', '"') if token.kind == "quoted" else token.text
            return "property", self.check_property(name, token)
        return "literal", self.literal()

    def is_literal_word(self, token: Token) -> bool:
        return token.keyword in ("TRUE", "FALSE", "DATE", "TIMESTAMP")

    def property_of(self, operand: tuple[str, Any], start: Token) -> str:
        if operand[0] != "property":
            raise self.fail("expected a property name", start)
        return operand[1]

    def check_property(self, name: str, token: Token) -> str:
        if self.properties is not None and name not in self.properties:
            raise self.fail(f"unknown property {name!r}; queryable: "
                            f"{', '.join(sorted(self.properties))}", token)
        return name

    # -- literals -------------------------------------------------------------------------
    def literal(self) -> Any:
        token = self.advance()
        if token.kind == "number":
            if re.search(r"[.eE]", token.text):
                return float(token.text)
            return whole_number(token.text, f"filter, position {token.pos + 1}: the number")
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.keyword in ("TRUE", "FALSE"):
            return token.keyword == "TRUE"
        if token.keyword in ("DATE", "TIMESTAMP"):
            return self.temporal(token)
        raise self.fail("expected a value (number, 'text', TRUE, FALSE, DATE or TIMESTAMP)", token)

    def literal_list(self) -> tuple:
        self.expect("(")
        values = [self.literal()]
        while self.accept(","):
            values.append(self.literal())
        self.expect(")")
        return tuple(values)

    def temporal(self, keyword: Token) -> str:
        self.expect("(")
        token = self.advance()
        self.expect(")")
        text = token.text[1:-1] if token.kind == "string" else ""
        try:
            if keyword.keyword == "DATE":
                return date.fromisoformat(text).isoformat()
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        except ValueError:
            raise self.fail(f"{keyword.keyword} needs an ISO 8601 text", token) from None

    # -- spatial --------------------------------------------------------------------------
    def spatial(self) -> Filter:
        op = SPATIAL_FUNCTIONS[self.advance().keyword]
        self.expect("(")
        if self.spatial_argument_is_property():
            self.expect(",")
            geometry = self.geometry()
        else:
            geometry = self.geometry()
            self.expect(",")
            if not self.spatial_argument_is_property():
                raise self.fail(f"expected the property {GEOMETRY_PROPERTY!r}")
            op = _CONVERSE[op]
        self.expect(")")
        return Spatial(op, self.reproject(geometry) if self.reproject else geometry)

    def spatial_argument_is_property(self) -> bool:
        token = self.token
        name = token.text.strip('"') if token.kind in ("word", "quoted") else ""
        if name.lower() != GEOMETRY_PROPERTY or token.keyword in WKT_TYPES + ("BBOX",):
            return False
        self.advance()
        return True

    def geometry(self) -> BaseGeometry:
        start = self.token
        if start.keyword == "BBOX":
            self.advance()
            corners = self.literal_list()
            if len(corners) != 4 or not all(isinstance(v, (int, float)) for v in corners):
                raise self.fail("BBOX needs four numbers (minx, miny, maxx, maxy)", start)
            return shapely.box(*corners)
        if start.keyword not in WKT_TYPES:
            raise self.fail(f"expected the property {GEOMETRY_PROPERTY!r}, "
                            "a WKT geometry or BBOX(...)")
        return self.wkt(start)

    def wkt(self, start: Token) -> BaseGeometry:
        depth = 0
        while True:
            token = self.advance()
            if token.kind == "end":
                raise self.fail(f"{start.keyword} is not closed", token)
            depth += (token.text == "(") - (token.text == ")")
            if token.text == ")" and depth == 0:
                break
        text = self.text[start.pos:token.pos + 1]
        try:
            return shapely.from_wkt(text)
        except shapely.errors.GEOSException as exc:
            raise self.fail(f"not a valid {start.keyword}: {exc}", start) from None


def parse_cql2(text: str, properties: Collection[str] | None = None,
               reproject: Callable[[BaseGeometry], BaseGeometry] | None = None) -> Filter:
    """Parse a CQL2 text filter into a `registry.filters` tree.

    `properties`, when given, are the only property names allowed; `reproject` turns
    geometry literals (in the ``filter-crs``) into the storage CRS.

    >>> parse_cql2("NOT state = 'intact' OR grid_code IS NULL")
    Or(items=(Not(item=Compare(field='state', op='=', value='intact')), IsNull(field='grid_code')))
    """
    if not text or not text.strip():
        raise InvalidInput("filter is empty")
    return _Parser(text, properties, reproject).parse()
