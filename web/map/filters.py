"""The map's filters (condition, material, age, grid) as registry filters, per layer.

The same filter reaches the tiles, the selection and the export, so what the map shows is what
gets counted and exported. A filter applies to each layer that has the field it needs: asking
for "condition 4 or worse" keeps poor drains and lamps, and bridges of class D or E (a
five-class scale, A–E, reads as grades 1–5).

>>> from registry.layers import load_layers
>>> view = MapFilter.from_args({"condition": "4", "built_before": "2000"})
>>> view.where(load_layers()["bridges"])
And(items=(In(field='condition_class', values=('D', 'E')), Compare(field='build_year', op='<', value=2000)))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from registry.errors import InvalidInput
from registry.filters import Compare, Filter, In, conjunction
from registry.layers import Layer

#: Fields holding the year an asset was built or laid, by layer.
AGE_FIELDS = ("install_year", "build_year")
MATERIAL_FIELD = "material"


@dataclass(frozen=True)
class MapFilter:
    """What the user narrowed the map to; every part is optional."""

    condition: int | None = None
    material: str | None = None
    built_before: int | None = None
    grid: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "MapFilter":
        """Read ``condition``, ``material``, ``built_before`` and ``grid`` from request args."""
        condition = _number(args, "condition")
        if condition is not None and not 1 <= condition <= 5:
            raise InvalidInput(f"condition must be a grade from 1 to 5, got {condition}")
        return cls(condition=condition, material=args.get("material") or None,
                   built_before=_number(args, "built_before"), grid=args.get("grid") or None)

    def where(self, layer: Layer) -> Filter | None:
        """The registry filter for `layer`; parts naming fields it lacks do not apply."""
        names = set(layer.field_names)
        age = next((f for f in AGE_FIELDS if f in names), None)
        return conjunction(
            self._condition(layer),
            Compare(MATERIAL_FIELD, "=", self.material)
            if self.material and MATERIAL_FIELD in names else None,
            Compare(age, "<", self.built_before) if age and self.built_before else None)

    def _condition(self, layer: Layer) -> Filter | None:
        if self.condition is None:
            return None
        if layer.condition.field:
            return Compare(layer.condition.field, ">=", self.condition)
        if layer.condition.class_field:
            classes = tuple(c.name for c in layer.condition.classes[self.condition - 1:])
            return In(layer.condition.class_field, classes)
        return None

    def grid_of(self, layer: Layer) -> str | None:
        """The grid to keep `layer`'s assets to (grids themselves are not kept to a grid)."""
        return None if layer.is_grid else self.grid


def _number(args: Mapping[str, str], name: str) -> int | None:
    text = args.get(name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, got {text!r}") from None
