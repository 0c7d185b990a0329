"""The planners' filter syntax."""
from __future__ import annotations

import pytest

from registry.errors import InvalidInput
from registry.filters import And, Between, Compare, In, IsNull, Like, Not, Or, parse_where


@pytest.mark.parametrize("text, tree", [
    ("condition >= 4", Compare("condition", ">=", 4)),
    ("material in (grey_cast_iron, 'pe')", In("material", ("grey_cast_iron", "pe"))),
    ("install_year < 2006 and not state = damaged",
     And((Compare("install_year", "<", 2006), Not(Compare("state", "=", "damaged"))))),
    ("(a = 1 or b = 2) and c != 3",
     And((Or((Compare("a", "=", 1), Compare("b", "=", 2))), Compare("c", "<>", 3)))),
    ("courtyard like '%花园%'", Like("courtyard", "%花园%")),
    ("bci between 50 and 66.5", Between("bci", 50, 66.5)),
    ("owner is null", IsNull("owner")),
    ("owner is not null", Not(IsNull("owner"))),
    ("name = 'O''Brien'", Compare("name", "=", "O'Brien")),
    ("material not in (pe)", Not(In("material", ("pe",)))),
])
def test_filters_parse_to_the_tree(text: str, tree: object) -> None:
    assert parse_where(text) == tree


@pytest.mark.parametrize("text, message", [
    ("", "empty filter"),
    ("condition >=", "expected a value"),
    ("condition >= 4 4", "unexpected 4"),
    ("material in (pe", "ends too early"),
    ("condition ~ 4", "expected a comparison"),
    ("condition = 'open", "cannot read the filter"),
])
def test_bad_filters_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_where(text)

