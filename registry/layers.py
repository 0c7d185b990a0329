"""Layer definitions: the declarative description of each asset layer, read from `layers/`.

A layer file says what a layer holds (fields, domains, units, Chinese aliases, GB/T class,
condition scale, style); nothing about layers is hard-coded. A broken file is refused at
start-up with the file and key named.

>>> lib = load_layers()
>>> lib["drains"].zh, lib["drains"].geometry
('收水井', ('Point',))
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from registry.errors import LayerDefinitionError, NotFound

LAYERS_DIR = Path(__file__).resolve().parent.parent / "layers"
FIELD_TYPES = ("text", "int", "float", "date", "bool")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
#: Columns every asset carries besides its layer's own fields.
SYSTEM_COLUMNS = ("uuid", "gbt_code", "source_id", "grid_code", "state", "version",
                  "created_at", "updated_at", "retired_at")
#: Component states: GB/T 30428's 完好 / 破损 / 丢失 / 占用 / 废弃, and ``unknown`` (未知) for
#: an asset whose survey said nothing of its state — never guessed as intact.
STATES = ("intact", "damaged", "missing", "occupied", "abandoned", "unknown")
ADDED_STATES = {"occupied": {"zh": "占用", "en": "Occupied"}, "unknown": {"zh": "未知", "en": "Unknown"}}
#: Every source attribute of the survey record an asset came from, verbatim, as JSON text
#: (original column names, raw values, in the file's order); NULL for assets not imported.
#: It follows the layer's fields in every table and frame, so a registry migrated to it
#: (ALTER TABLE ... ADD COLUMN appends) and a new one have the same columns in one order.
SOURCE_ATTRIBUTES = "source_attributes"


@dataclass(frozen=True)
class Field:
    """One attribute of a layer, with its domain and the names surveys use for it."""

    name: str
    type: str
    zh: str
    en: str
    unit: str | None = None
    required: bool = False
    values: tuple[str, ...] | None = None
    range: tuple[float, float] | None = None
    aliases: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    derived: bool = False

    def label(self, lang: str = "zh") -> str:
        """The label a user reads, with the unit: ``井深 (m)``."""
        text = self.zh if lang == "zh" else self.en
        return f"{text} ({self.unit})" if self.unit else text


@dataclass(frozen=True)
class ConditionClass:
    """One class of a score-based condition scale (CJJ 99: A ≥ 90 ...)."""

    name: str
    min: float
    zh: str


@dataclass(frozen=True)
class Condition:
    """How a layer grades condition: a 1–5 grade field, or a score with derived classes."""

    field: str | None = None
    score_field: str | None = None
    class_field: str | None = None
    classes: tuple[ConditionClass, ...] = ()

    def classify(self, score: float) -> str | None:
        """Class for a score, e.g. BCI 72 → ``'C'``; None when there is no score."""
        if score is None or score != score:
            return None
        for cls in self.classes:
            if score >= cls.min:
                return cls.name
        return self.classes[-1].name if self.classes else None


@dataclass(frozen=True)
class StatusWords:
    """How a survey's status column (状态) fills the component state and the layer's status
    fields: the column's names, and per status word the values it means.

    >>> StatusWords(("状态",), {"破损": {"state": "damaged"}}).words["破损"]
    {'state': 'damaged'}
    """

    aliases: tuple[str, ...] = ()
    #: Status word → {"state": state, or field name: field value}.
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Layer:
    """A layer of the registry: drains, lamp posts, bridges, gas mains, valves or grids."""

    name: str
    zh: str
    en: str
    geometry: tuple[str, ...]
    fields: tuple[Field, ...]
    kind: str = "asset"
    gbt_class: str | None = None
    gbt_class_field: str | None = None
    gbt_class_by_value: Mapping[str, str] = field(default_factory=dict)
    inspection_interval_days: int | None = None
    design_life_years: int | None = None
    source_id_aliases: tuple[str, ...] = ()
    #: Records closer than this are probable duplicates; None: the registry's default, 0: off.
    duplicate_tolerance_m: float | None = None
    condition: Condition = Condition()
    status: StatusWords = StatusWords()
    style: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def is_grid(self) -> bool:
        return self.kind == "grid"

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        """The field called `name`, or NotFound naming the layer's fields."""
        for f in self.fields:
            if f.name == name:
                return f
        raise NotFound(f"layer {self.name} has no field {name!r}; "
                       f"fields: {', '.join(self.field_names)}")

    def title(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def class_codes(self) -> set[str]:
        """Every GB/T class this layer can allocate codes from."""
        if self.gbt_class:
            return {self.gbt_class}
        return set(self.gbt_class_by_value.values())


class LayerLibrary(Mapping[str, Layer]):
    """All layers of a registry plus the GB/T catalogue they refer to."""

    def __init__(self, layers: dict[str, Layer], catalogue: "Catalogue") -> None:
        self._layers = layers
        self.catalogue = catalogue

    def __getitem__(self, name: str) -> Layer:
        try:
            return self._layers[name]
        except KeyError:
            raise NotFound(f"unknown layer {name!r}; layers: {', '.join(self._layers)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    @property
    def grid_layer(self) -> Layer:
        return next(layer for layer in self._layers.values() if layer.is_grid)


@dataclass(frozen=True)
class Catalogue:
    """The city's GB/T 30428 component class catalogue and component states."""

    classes: Mapping[str, Mapping[str, Any]]
    states: Mapping[str, Mapping[str, str]]

    def class_name(self, code: str, lang: str = "zh") -> str:
        return self.classes[code][lang]


def load_layers(directory: Path | str = LAYERS_DIR) -> LayerLibrary:
    """Read every layer file and the catalogue in `directory`, refusing broken ones."""
    directory = Path(directory)
    catalogue = _load_catalogue(directory / "catalogue.toml")
    layers = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == "catalogue.toml":
            continue
        layer = _parse_layer(path, read_toml(path), catalogue)
        layers[layer.name] = layer
    if sum(layer.is_grid for layer in layers.values()) != 1:
        raise LayerDefinitionError(f"{directory}: exactly one layer must have kind = \"grid\"")
    return LayerLibrary(layers, catalogue)


def read_toml(path: Path) -> dict:
    """A data file of `layers/` (layer, catalogue, case, plan or gas rules); a missing or
    broken file is a LayerDefinitionError naming it."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LayerDefinitionError(f"{path}: {exc}") from exc


def _load_catalogue(path: Path) -> Catalogue:
    data = read_toml(path)
    classes = data.get("classes", {})
    for code, entry in classes.items():
        _check(len(code) == 4 and code.isdigit(), path, f"classes.{code}", "must be 4 digits")
        for key in ("zh", "en"):
            _check(key in entry, path, f"classes.{code}.{key}", "is missing")
    # A city catalogue written for the four GB/T states of old still loads: the two added
    # since (占用 occupied, 未知 unknown) take their standard labels unless it names them.
    states = {**ADDED_STATES, **data.get("states", {})}
    _check(set(states) == set(STATES), path, "states", f"must be exactly {', '.join(STATES)}")
    return Catalogue(classes, states)


def _check(ok: bool, path: Path, key: str, problem: str) -> None:
    if not ok:
        raise LayerDefinitionError(f"{path}: key {key!r} {problem}")


def _parse_layer(path: Path, data: dict, catalogue: Catalogue) -> Layer:
    for key in ("name", "zh", "en", "geometry"):
        _check(key in data, path, key, "is missing")
    _check(data["name"] == path.stem, path, "name", f"must match the file name {path.stem!r}")
    geometry = tuple(data["geometry"])
    for i, geom_type in enumerate(geometry):
        _check(geom_type in GEOMETRY_TYPES, path, f"geometry[{i}]",
               f"is {geom_type!r}; expected one of {', '.join(GEOMETRY_TYPES)}")
    fields = tuple(_parse_field(path, i, entry) for i, entry in enumerate(data.get("fields", [])))
    names = [f.name for f in fields]
    _check(len(set(names)) == len(names), path, "fields", "repeat a name")
    clash = set(names) & {*SYSTEM_COLUMNS, SOURCE_ATTRIBUTES}
    _check(not clash, path, "fields", f"use reserved names {sorted(clash)}")
    kind = data.get("kind", "asset")
    _check(kind in ("asset", "grid"), path, "kind", "must be 'asset' or 'grid'")
    layer = Layer(
        name=data["name"], zh=data["zh"], en=data["en"], geometry=geometry, fields=fields,
        kind=kind, gbt_class=data.get("gbt_class"),
        gbt_class_field=data.get("gbt_class_by", {}).get("field"),
        gbt_class_by_value=data.get("gbt_class_by", {}).get("classes", {}),
        inspection_interval_days=data.get("inspection_interval_days"),
        design_life_years=data.get("design_life_years"),
        source_id_aliases=tuple(data.get("source_id_aliases", ())),
        duplicate_tolerance_m=data.get("duplicate_tolerance_m"),
        condition=_parse_condition(path, data.get("condition", {}), names),
        status=_parse_status(path, data.get("status", {}), fields, catalogue),
        style=data.get("style", {}), path=path)
    _check_classes(path, layer, catalogue)
    return layer


def _check_classes(path: Path, layer: Layer, catalogue: Catalogue) -> None:
    if layer.is_grid:
        return
    _check(bool(layer.gbt_class) != bool(layer.gbt_class_field), path, "gbt_class",
           "or gbt_class_by (one of them) is required for an asset layer")
    for code in layer.class_codes():
        _check(code in catalogue.classes, path, "gbt_class", f"{code!r} is not in the catalogue")
    if layer.gbt_class_field:
        allowed = layer.field(layer.gbt_class_field).values or ()
        missing = set(allowed) - set(layer.gbt_class_by_value)
        _check(not missing, path, "gbt_class_by.classes", f"lacks values {sorted(missing)}")


def _parse_field(path: Path, i: int, entry: dict) -> Field:
    key = f"fields[{i}]"
    for name in ("name", "type", "zh", "en"):
        _check(name in entry, path, f"{key}.{name}", "is missing")
    _check(entry["type"] in FIELD_TYPES, path, f"{key}.type",
           f"is {entry['type']!r}; expected one of {', '.join(FIELD_TYPES)}")
    values = entry.get("values")
    value_aliases = {}
    for canonical, spellings in entry.get("value_aliases", {}).items():
        _check(values is not None and canonical in values, path,
               f"{key}.value_aliases.{canonical}", "is not one of the field's values")
        value_aliases.update({s: canonical for s in spellings})
    rng = entry.get("range")
    if rng is not None:
        _check(len(rng) == 2 and rng[0] <= rng[1], path, f"{key}.range", "must be [min, max]")
    unknown = set(entry) - {"name", "type", "zh", "en", "unit", "required", "values", "range",
                            "aliases", "value_aliases", "derived"}
    _check(not unknown, path, key, f"has unknown keys {sorted(unknown)}")
    return Field(name=entry["name"], type=entry["type"], zh=entry["zh"], en=entry["en"],
                 unit=entry.get("unit"), required=entry.get("required", False),
                 values=tuple(values) if values is not None else None,
                 range=tuple(rng) if rng is not None else None,
                 aliases=tuple(entry.get("aliases", ())), value_aliases=value_aliases,
                 derived=entry.get("derived", False))


def _parse_status(path: Path, data: dict, fields: tuple[Field, ...],
                  catalogue: Catalogue) -> StatusWords:
    """The layer's status column names and words; the catalogue's state words come first,
    the layer's own words (``[status.words]``) add to or override them."""
    words: dict[str, Mapping[str, str]] = {}
    for state, entry in catalogue.states.items():
        for word in (entry.get("zh"), *entry.get("aliases", ())):
            if word and state != "unknown":
                words[word] = {"state": state}
    allowed = {"state": STATES, **{f.name: f.values for f in fields if f.values}}
    for word, means in data.get("words", {}).items():
        for target, value in means.items():
            _check(value in (allowed.get(target) or ()), path, f"status.words.{word}.{target}",
                   f"is {value!r}; expected one of {', '.join(allowed.get(target) or ()) or '-'}")
        words[word] = dict(means)
    return StatusWords(tuple(data.get("aliases", ())), words)


def _parse_condition(path: Path, data: dict, names: list[str]) -> Condition:
    for key in ("field", "score_field", "class_field"):
        if key in data:
            _check(data[key] in names, path, f"condition.{key}", f"names no field {data[key]!r}")
    classes = tuple(ConditionClass(c["class"], float(c["min"]), c.get("zh", c["class"]))
                    for c in data.get("classes", []))
    mins = [c.min for c in classes]
    _check(mins == sorted(mins, reverse=True), path, "condition.classes",
           "must be ordered from the best class down")
    return Condition(field=data.get("field"), score_field=data.get("score_field"),
                     class_field=data.get("class_field"), classes=classes)
