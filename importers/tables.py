"""Read tables with coordinates: CSV/TSV (any delimiter, encoding, BOM) and Excel workbooks.

Geometry comes from the coordinate columns named by ``xy=("XCOORD", "YCOORD")``, else from a
WKT column or a pair of coordinate columns recognised by the names surveys and ArcGIS use
(`COORDINATE_NAMES`: 经度/纬度, lon/lat, XCOORD/YCOORD, POINT_X/POINT_Y, X_COORD/Y_COORD, X/Y,
X坐标/Y坐标, EASTING/NORTHING, 东坐标/北坐标 ...; wkt/geom/geometry). Which of x/y is the easting is left to CRS
detection: Chinese surveyors' X is the northing. Coordinates written as text parse by the rules
of `coordinate_numbers`.

>>> reading = read_table(Path("lamps.csv"))     # doctest: +SKIP
>>> reading.attributes[["_row", "经度", "纬度"]].head(1)   # doctest: +SKIP
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from importers.encoding import text_encoding
from importers.reading import Reading
from registry.errors import InvalidInput

#: Names (as `normalise_name` leaves them) of x and y columns, ArcGIS's "Add XY" ones
#: included, by family in order of preference: a file with lon/lat and X/Y columns is read
#: from its lon/lat, and a pair never mixes families ("lon" with "Y").
COORDINATE_NAMES = (
    ({"lon", "lng", "long", "longitude", "经度", "东经"}, {"lat", "latitude", "纬度", "北纬"}),
    ({"xcoord", "xcoordinate", "pointx", "coordx"}, {"ycoord", "ycoordinate", "pointy", "coordy"}),
    ({"x", "x坐标", "坐标x", "横坐标"}, {"y", "y坐标", "坐标y", "纵坐标"}),
    ({"easting", "东坐标"}, {"northing", "北坐标"}),
)
X_NAMES = set().union(*(xs for xs, _ in COORDINATE_NAMES))
Y_NAMES = set().union(*(ys for _, ys in COORDINATE_NAMES))
WKT_NAMES = {"wkt", "geom", "geometry", "the_geom", "shape", "几何"}
DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024
MAX_NAMED_ROWS = 20
EXCEL_NOTE = "Excel stores text as Unicode"


def read_table(path: Path, layer_name: str | None = None, encoding: str | None = None,
               xy: tuple[str, str] | None = None) -> Reading:
    """Read a CSV/TSV or Excel survey; InvalidInput naming the file if no geometry is found.

    ``xy`` names the x and y columns when their names are not recognised (or to choose
    between two pairs).
    """
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        sheet, frame = read_excel(path, layer_name)
        return with_geometry(path, frame, "Excel", decimal_comma=False, xy=xy,
                             encoding_note=EXCEL_NOTE, layer_name=sheet)
    data = path.read_bytes()
    choice = text_encoding(data, encoding)
    text = decode(path, data, choice.encoding)
    delimiter = sniff_delimiter(text, path)
    frame = parse_csv(path, text, delimiter)
    return with_geometry(path, frame, "TSV" if delimiter == "\t" else "CSV",
                         decimal_comma=delimiter != ",", xy=xy, encoding=choice.encoding,
                         encoding_note=choice.note)


def decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name}: byte {exc.start} is not valid {encoding}; "
                           f"pass encoding= to read it") from None


def sniff_delimiter(text: str, path: Path) -> str:
    """The delimiter: tab for .tsv, else what csv.Sniffer finds, else the commonest in line 1.

    >>> sniff_delimiter("名称;经度;纬度\\n灯;114,5;38,0\\n", Path("a.csv"))
    ';'
    """
    if path.suffix.lower() == ".tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.split("\n", 1)[0]
        return max(DELIMITERS, key=header.count)


def parse_csv(path: Path, text: str, delimiter: str) -> pd.DataFrame:
    """Every value as text (CSV has no types; ids such as '0103' keep their zeros)."""
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str,
                           keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(f"{path.name}: not a readable table ({exc})") from None


def read_excel(path: Path, sheet: str | None) -> tuple[str, pd.DataFrame]:
    """(sheet name, rows): ``sheet``, else the only sheet, else the only one with coordinates."""
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except (ValueError, OSError, KeyError) as exc:
        raise InvalidInput(f"{path.name}: not a readable Excel workbook ({exc})") from None
    with book:
        names = [str(name) for name in book.sheet_names]
        if sheet is not None and sheet not in names:
            raise InvalidInput(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(names)}")
        chosen = sheet or only_sheet_with_coordinates(path, book, names)
        return chosen, pd.read_excel(book, sheet_name=chosen)


def only_sheet_with_coordinates(path: Path, book: pd.ExcelFile, names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    located = [name for name in names if geometry_columns(list(pd.read_excel(book, sheet_name=name, nrows=0)))]
    if len(located) != 1:
        raise InvalidInput(f"{path.name} holds {len(names)} sheets ({', '.join(names)}); "
                           f"choose one with layer_name=")
    return located[0]


def normalise_name(name: object) -> str:
    """Column name without case, spaces, underscores or a unit in brackets.

    >>> normalise_name(" X坐标（m）"), normalise_name("Longitude_")
    ('x坐标', 'longitude')
    """
    text = re.sub(r"[（(\[].*?[)）\]]", "", str(name))
    return re.sub(r"[\s_\-]", "", text).lower()


def geometry_columns(columns: list) -> tuple | None:
    """('wkt', column) or ('xy', x column, y column) for the first recognised names, else None.

    >>> geometry_columns(["名称", "经度", "纬度"]), geometry_columns(["OBJECTID", "POINT_X", "POINT_Y"])
    (('xy', '经度', '纬度'), ('xy', 'POINT_X', 'POINT_Y'))
    >>> geometry_columns(["X", "Y", "Lon", "Lat"])
    ('xy', 'Lon', 'Lat')
    """
    names = {column: normalise_name(column) for column in columns}
    wkt = [c for c, n in names.items() if n in WKT_NAMES]
    if wkt:
        return ("wkt", wkt[0])
    for x_names, y_names in COORDINATE_NAMES:
        xs = [c for c, n in names.items() if n in x_names]
        ys = [c for c, n in names.items() if n in y_names]
        if xs and ys:
            return ("xy", xs[0], ys[0])
    return None


def coordinate_like(columns: list) -> list:
    """Every column whose name is a recognised WKT, x or y name, in file order."""
    return [c for c in columns if normalise_name(c) in WKT_NAMES | X_NAMES | Y_NAMES]


def named_columns(source: str, columns: list, xy: tuple[str, str]) -> tuple:
    """('xy', x column, y column) for the names given; InvalidInput naming what is missing.

    A name matches exactly, else after `normalise_name` (``point_x`` finds ``POINT_X``).

    >>> named_columns("a.csv", ["ID", "POINT_X", "POINT_Y"], ("point_x", "POINT_Y"))
    ('xy', 'POINT_X', 'POINT_Y')
    """
    chosen = [named_column(source, columns, axis, name) for axis, name in zip("xy", xy)]
    if chosen[0] == chosen[1]:
        raise InvalidInput(f"{source}: x and y name the same column {chosen[0]!r}")
    return ("xy", *chosen)


def named_column(source: str, columns: list, axis: str, name: str) -> object:
    found = [c for c in columns if str(c) == name] or \
        [c for c in columns if normalise_name(c) == normalise_name(name)]
    if len(found) != 1:
        listed = ", ".join(str(c) for c in columns if c != "_row")
        problem = "no column" if not found else "several columns match"
        raise InvalidInput(f"{source}: {problem} {name!r} for {axis} (--{axis}); columns: {listed}")
    return found[0]


def with_geometry(path: Path, frame: pd.DataFrame, label: str, decimal_comma: bool,
                  xy: tuple[str, str] | None = None, **notes: str) -> Reading:
    """A reading with ``_row`` and the geometry built from the named or recognised columns."""
    found = named_columns(path.name, list(frame.columns), xy) if xy else \
        geometry_columns(list(frame.columns))
    if found is None:
        raise InvalidInput(f"{path.name}: no coordinate columns (looked for lon/lat, 经度/纬度, "
                           f"X/Y, X坐标/Y坐标, XCOORD/YCOORD, POINT_X/POINT_Y or a WKT column; "
                           f"name them with --x/--y) among {', '.join(map(str, frame.columns))}")
    if found[0] == "wkt":
        geometry, problems = wkt_geometries(frame[found[1]])
    else:
        geometry, problems = point_coordinates(frame[found[1]], frame[found[2]], decimal_comma)
    attributes = frame.reset_index(drop=True)
    attributes.insert(0, "_row", np.arange(1, len(frame) + 1))
    warnings = ([] if xy else other_pairs(list(frame.columns), found)) + problems
    return Reading(attributes, geometry, label, warnings=warnings, **notes)


def other_pairs(columns: list, found: tuple) -> list[str]:
    """A note when more coordinate-like columns than the ones used are present."""
    others = [str(c) for c in coordinate_like(columns) if c not in found[1:]]
    if not others:
        return []
    used = "/".join(map(str, found[1:]))
    return [f"geometry from {used}; other coordinate columns ({', '.join(others)}) kept as "
            f"attributes (choose with --x/--y)"]


def wkt_geometries(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Geometries parsed from WKT text; unparseable text is named, empty cells are not."""
    text = column.astype(object).where(column.notna(), None).to_numpy()
    geometries = shapely.from_wkt(text, on_invalid="ignore")
    bad = np.flatnonzero(pd.isna(geometries) & column.notna().to_numpy())
    return geometries, [f"row {i + 1}: {column.name} {text[i]!r} is not WKT; geometry left empty"
                        for i in bad[:MAX_NAMED_ROWS]] + summary(bad)


def point_coordinates(xs: pd.Series, ys: pd.Series,
                      decimal_comma: bool) -> tuple[np.ndarray, list[str]]:
    """(n, 2) x/y from coordinate columns; a value that is no number is named, left NaN.

    >>> xy, notes = point_coordinates(pd.Series(["114.51", "114,510"], name="X"),
    ...                               pd.Series(["38.04", "38.05"], name="Y"), False)
    >>> xy[0].tolist(), notes
    ([114.51, 38.04], ["row 2: X '114,510' could be 114.510 or 114510 (decimal comma or thousands separator); geometry left empty"])
    """
    (x, x_unclear), (y, y_unclear) = (coordinate_numbers(xs, decimal_comma),
                                      coordinate_numbers(ys, decimal_comma))
    xy = np.column_stack([x, y])
    valid = np.isfinite(xy).all(axis=1)
    xy[~valid] = np.nan
    given = xs.notna().to_numpy() | ys.notna().to_numpy()
    bad = np.flatnonzero(given & ~valid)
    return xy, [bad_pair(xs, ys, i, x_unclear[i], y_unclear[i])
                for i in bad[:MAX_NAMED_ROWS]] + summary(bad)


def bad_pair(xs: pd.Series, ys: pd.Series, i: int, x_unclear: bool, y_unclear: bool) -> str:
    """Why row ``i`` has no geometry, in the words of its values."""
    if x_unclear or y_unclear:
        column = xs if x_unclear else ys
        text = str(column.iloc[i]).strip()
        return (f"row {i + 1}: {column.name} {text!r} could be {text.replace(',', '.')} or "
                f"{text.replace(',', '')} (decimal comma or thousands separator); "
                f"geometry left empty")
    return (f"row {i + 1}: {xs.name} {xs.iloc[i]!r}, {ys.name} {ys.iloc[i]!r} "
            f"is not a coordinate pair; geometry left empty")


#: "4,210,345.67" or "510,123.4": commas group thousands (unambiguous with the dot or 2+ commas).
THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+\.\d*$|^[+-]?\d{1,3}(?:,\d{3}){2,}$"
#: "114,51" or "4210,345": one comma that cannot be a thousands separator is a decimal comma.
DECIMAL_COMMA = r"^[+-]?\d+,\d+$"
#: "114,510": a decimal comma or a thousands separator; nothing in the value tells which.
UNCLEAR_COMMA = r"^[+-]?\d{1,3},\d{3}$"


def coordinate_numbers(column: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, unclear) of a coordinate column, NaN where a value is no number.

    Text is read after NFKC (full-width digits and signs) with spaces trimmed. Commas: in
    ';'- or tab-separated files (``decimal_comma``) every comma is a decimal comma, as
    European locales write them; elsewhere thousands groups (``4,210,345.67``) and a lone
    decimal comma (``114,51``) are read, and ``114,510`` is left unread as ``unclear``.

    >>> coordinate_numbers(pd.Series(["114,51", "4,210,345.67", "１１４.５", "114,510"]), False)[0].tolist()
    [114.51, 4210345.67, 114.5, nan]
    """
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(column), dtype=bool)
    text = column.astype(str).str.normalize("NFKC").str.strip().str.replace("\u2212", "-")
    if decimal_comma:  # ';'-separated files from European locales write 114,5
        unclear = np.zeros(len(column), dtype=bool)
        text = text.str.replace(",", ".", regex=False)
    else:
        unclear = text.str.match(UNCLEAR_COMMA).to_numpy(dtype=bool)
        grouped = text.str.match(THOUSANDS)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
        lone = text.str.match(DECIMAL_COMMA) & ~unclear
        text = text.where(~lone, text.str.replace(",", ".", regex=False))
        text = text.where(~unclear, "")
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float), unclear


def summary(bad: np.ndarray) -> list[str]:
    extra = len(bad) - MAX_NAMED_ROWS
    return [f"... and {extra} more rows without a readable geometry"] if extra > 0 else []
