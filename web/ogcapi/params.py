"""Reading the query parameters of ``/items`` into a registry `Query` and an output CRS.

Every parameter is checked against what the API offers; anything else is `InvalidInput`
naming the parameter, so a typo answers 400 instead of being silently ignored.

>>> from werkzeug.datastructures import MultiDict
>>> from registry.layers import load_layers
>>> from registry.settings import Settings
>>> request = items_request(load_layers()["drains"], Settings("130102"),
...                         MultiDict({"condition": "4", "limit": "10"}))
>>> request.query.filter, request.query.limit
(Compare(field='condition', op='=', value=4), 10)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from registry.change import parse_moment
from registry.errors import InvalidInput
from registry.filters import Compare, Filter, conjunction
from registry.layers import Layer
from registry.query import Query
from registry.settings import Settings
from web.cql2 import parse_cql2, whole_number
from web.ogcapi.crs import OutputCrs

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
#: System columns a client may filter on besides the layer's own fields.
FILTERABLE_SYSTEM_COLUMNS = ("state", "grid_code", "source_id", "gbt_code")
ITEMS_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime",
                    "filter", "filter-lang", "filter-crs")
ITEM_PARAMETERS = ("f", "crs", "datetime")
FILTER_LANGUAGES = ("cql2-text",)


@dataclass(frozen=True)
class ItemsRequest:
    """What a client asked of ``/items``: the registry query and the CRS to answer in."""

    query: Query
    crs: OutputCrs


def queryable_names(layer: Layer) -> list[str]:
    """Properties a client may filter on: the layer's fields and some system columns."""
    return list(FILTERABLE_SYSTEM_COLUMNS) + layer.field_names


def offered_srids(settings: Settings) -> list[int]:
    """EPSG codes offered besides CRS84: the storage CRS and the city's metric grid."""
    return list(dict.fromkeys((settings.storage_srid, settings.metric_srid)))


def parse_crs(args: Mapping[str, str], name: str, settings: Settings) -> OutputCrs:
    """The CRS named by parameter `name` (``crs``, ``bbox-crs``, ``filter-crs``)."""
    return OutputCrs.parse(args.get(name), settings.storage_srid, offered_srids(settings))


def items_request(layer: Layer, settings: Settings, args: Mapping[str, str]) -> ItemsRequest:
    """Check every parameter of an ``/items`` request and build its query."""
    check_parameters(args, (*ITEMS_PARAMETERS, *queryable_names(layer)))
    where = conjunction(property_filter(layer, args), cql2_filter(layer, settings, args))
    query = Query(layer.name, bbox=parse_bbox(args, settings), where=where,
                  as_of=parse_as_of(args), limit=parse_limit(args),
                  offset=parse_count(args, "offset", 0))
    return ItemsRequest(query, parse_crs(args, "crs", settings))


def check_parameters(args: Mapping[str, str], allowed: Sequence[str]) -> None:
    """Refuse a parameter the endpoint does not know, naming the ones it does."""
    unknown = [key for key in args if key not in allowed]
    if unknown:
        raise InvalidInput(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(allowed)}")


def parse_count(args: Mapping[str, str], name: str, default: int) -> int:
    """A non-negative integer parameter."""
    text = args.get(name)
    if text is None:
        return default
    if not text.isdigit():
        raise InvalidInput(f"{name} must be a whole number of 0 or more, got {text!r}")
    return whole_number(text, name)


def parse_limit(args: Mapping[str, str]) -> int:
    """``limit``: 1 to 10,000, 100 when not given."""
    limit = parse_count(args, "limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def parse_bbox(args: Mapping[str, str],
               settings: Settings) -> tuple[float, float, float, float] | None:
    """``bbox`` (4 numbers, or 6 with heights) in ``bbox-crs``, as a storage lon/lat box."""
    text = args.get("bbox")
    if text is None:
        if "bbox-crs" in args:
            raise InvalidInput("bbox-crs needs a bbox")
        return None
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInput(f"bbox must be comma-separated numbers, got {text!r}") from None
    if len(numbers) == 6:  # heights carry no meaning for a 2-D registry
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    return parse_crs(args, "bbox-crs", settings).bbox_to_storage(tuple(numbers))


def parse_as_of(args: Mapping[str, str]) -> datetime | None:
    """``datetime``: the registry answers as it stood at that one instant."""
    text = args.get("datetime")
    if text is None:
        return None
    if "/" in text:
        raise InvalidInput(f"datetime must be one instant (the layer as it stood then), "
                           f"not the interval {text!r}")
    return parse_moment(text)


def property_filter(layer: Layer, args: Mapping[str, str]) -> Filter | None:
    """``?material=pe&condition=4``: equality on each named property, values typed."""
    return conjunction(*(Compare(name, "=", typed_value(layer, name, args[name]))
                         for name in queryable_names(layer) if name in args))


def typed_value(layer: Layer, name: str, text: str) -> Any:
    """A parameter's text as the field's type: ``"4"`` → 4 for an int field."""
    kind = layer.field(name).type if name in layer.field_names else "text"
    try:
        if kind == "int":
            return whole_number(text, name)
        if kind == "float":
            return float(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a number, got {text!r}") from None
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise InvalidInput(f"{name} must be true or false, got {text!r}")
        return text.lower() == "true"
    return text


def cql2_filter(layer: Layer, settings: Settings, args: Mapping[str, str]) -> Filter | None:
    """``filter`` in ``filter-lang`` (cql2-text), geometries in ``filter-crs``."""
    text = args.get("filter")
    if text is None:
        if "filter-lang" in args or "filter-crs" in args:
            raise InvalidInput("filter-lang and filter-crs need a filter")
        return None
    language = args.get("filter-lang", "cql2-text")
    if language not in FILTER_LANGUAGES:
        raise InvalidInput(f"filter-lang {language!r} is not supported; use cql2-text")
    crs = parse_crs(args, "filter-crs", settings)
    return parse_cql2(text, queryable_names(layer), crs.to_storage)
