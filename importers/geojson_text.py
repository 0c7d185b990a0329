"""GeoJSON whose coordinates are written as text: ``"coordinates": ["114.51", "38.04"]``.

Spreadsheet-to-GeoJSON tools write them so; GDAL drops such a geometry (an error on its
console, no geometry, no warning to the caller). After the bulk read, the features left
without geometry are looked up in the file itself (only when it holds a quoted coordinate)
and their text parsed by the same rules as a table's coordinate columns
(`importers.tables.coordinate_numbers`): points straight into an (n, 2) array, other types
through `shapely.from_geojson`, both vectorised.

>>> import json, tempfile
>>> doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
...        "geometry": {"type": "Point", "coordinates": ["114.51", "38.04"]}}]}
>>> with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False) as f:
...     json.dump(doc, f)
>>> geometry, notes, unread = read_text_coordinates(Path(f.name), np.full((1, 2), np.nan))
>>> geometry.tolist(), notes
([[114.51, 38.04]], ['1 record: coordinates written as text ("114.51"), read as numbers'])
"""
from __future__ import annotations

import json
import mmap
import re
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import shapely

from importers.reading import is_points, to_shapely
from importers.tables import coordinate_numbers

#: A coordinate array opening on a string: '"coordinates": [[ "114.51"'.
QUOTED = re.compile(rb'"coordinates"\s*:\s*[\[\s]*"')
MAX_NAMED_ROWS = 20


def read_text_coordinates(path: Path, geometry: np.ndarray
                          ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``geometry`` with the features GDAL left empty for text coordinates filled in, notes,
    and the positions of every feature with text coordinates (the notes speak for them).

    ``geometry`` is what the bulk read made: an (n, 2) point array or shapely objects.
    """
    none = np.empty(0, dtype=int)
    missing = np.flatnonzero(_missing(geometry))
    if len(missing) == 0 or not _has_quoted_coordinates(path):
        return geometry, [], none
    features = _features(path)
    if features is None or len(features) != len(geometry):
        return geometry, [], none
    found = [(int(i), g) for i in missing
             if (g := (features[i] or {}).get("geometry")) and _has_text(g.get("coordinates"))]
    if not found:
        return geometry, [], none
    rows = np.array([i for i, _ in found])
    shapes, bad = _geometries([g for _, g in found])
    return _filled(geometry, rows, shapes), _notes(rows, bad, found), rows


def _missing(geometry: np.ndarray) -> np.ndarray:
    return np.isnan(geometry).any(axis=1) if is_points(geometry) else shapely.is_missing(geometry)


def _has_quoted_coordinates(path: Path) -> bool:
    """Whether any coordinate array opens with a string, found by a scan of the bytes."""
    with open(path, "rb") as stream:
        if path.stat().st_size == 0:
            return False
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return QUOTED.search(data) is not None


def _features(path: Path) -> list[dict] | None:
    """The features of a FeatureCollection (a lone Feature counts as one), else None."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        return features if isinstance(features, list) else None
    return [doc] if isinstance(doc, dict) and doc.get("type") == "Feature" else None


def _has_text(coordinates: Any) -> bool:
    return any(isinstance(leaf, str) for leaf in _leaves(coordinates))


def _leaves(coordinates: Any) -> Iterator[Any]:
    if isinstance(coordinates, list):
        for part in coordinates:
            yield from _leaves(part)
    else:
        yield coordinates


def _geometries(geometries: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(shapely geometries, True where one could not be made) for GeoJSON geometries."""
    leaves = [list(_leaves(g.get("coordinates"))) for g in geometries]
    counts = np.array([len(v) for v in leaves])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    values, _ = coordinate_numbers(pd.Series([x for v in leaves for x in v], dtype=object), False)
    owner = np.repeat(np.arange(len(geometries)), counts)
    bad = np.bincount(owner[~np.isfinite(values)], minlength=len(geometries)) > 0
    shapes = np.full(len(geometries), None, dtype=object)
    points = np.array([g.get("type") == "Point" for g in geometries]) & (counts == 2) & ~bad
    shapes[points] = shapely.points(values[starts[points, None] + np.arange(2)])
    others = np.flatnonzero(~points & ~bad)
    texts = [json.dumps({"type": geometries[i].get("type"), "coordinates": _refill(
        geometries[i]["coordinates"], iter(values[starts[i]:starts[i] + counts[i]].tolist()))})
        for i in others]
    if texts:
        shapes[others] = shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore")
    return shapes, shapely.is_missing(shapes)


def _refill(coordinates: Any, numbers: Iterator[float]) -> Any:
    if isinstance(coordinates, list):
        return [_refill(part, numbers) for part in coordinates]
    return next(numbers)


def _filled(geometry: np.ndarray, rows: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """The reading's geometry with `shapes` put at `rows` (kept as a point array if it can be)."""
    types = shapely.get_type_id(shapes)
    if is_points(geometry) and (types[~shapely.is_missing(shapes)] == 0).all():
        out = geometry.copy()
        present = ~shapely.is_missing(shapes)
        out[rows[present]] = shapely.get_coordinates(shapes[present])
        return out
    out = to_shapely(geometry).copy()
    out[rows] = shapes
    return out


def _notes(rows: np.ndarray, bad: np.ndarray, found: list[tuple[int, dict]]) -> list[str]:
    read = int((~bad).sum())
    first = next((leaf for _, g in found for leaf in _leaves(g["coordinates"])
                  if isinstance(leaf, str)), "")
    notes = [f"{read} record{'s' if read != 1 else ''}: coordinates written as text "
             f"({json.dumps(first, ensure_ascii=False)}), read as numbers"] if read else []
    unread = np.flatnonzero(bad)
    notes += [f"row {rows[k] + 1}: coordinates {found[k][1]['coordinates']!r} are not numbers; "
              f"geometry left empty" for k in unread[:MAX_NAMED_ROWS]]
    if len(unread) > MAX_NAMED_ROWS:
        notes.append(f"... and {len(unread) - MAX_NAMED_ROWS} more rows whose coordinates "
                     f"are not numbers")
    return notes
