"""Read tables with coordinates: CSV/TSV (any delimiter, encoding, BOM) and Excel workbooks.

Geometry comes from a WKT column or from a pair of coordinate columns, recognised by the
names surveys use (lon/lng/经度/X坐标/X ..., lat/纬度/Y坐标/Y ..., wkt/geom/geometry).
Which of x/y is the easting is left to CRS detection: Chinese surveyors' X is the northing.

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

X_NAMES = {"lon", "lng", "long", "longitude", "经度", "x", "x坐标", "坐标x", "easting", "东坐标"}
Y_NAMES = {"lat", "latitude", "纬度", "y", "y坐标", "坐标y", "northing", "北坐标"}
WKT_NAMES = {"wkt", "geom", "geometry", "the_geom", "shape", "几何"}
DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024
MAX_NAMED_ROWS = 20
EXCEL_NOTE = "Excel stores text as Unicode"


def read_table(path: Path, layer_name: str | None = None, encoding: str | None = None) -> Reading:
    """Read a CSV/TSV or Excel survey; InvalidInput naming the file if no geometry is found."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        sheet, frame = read_excel(path, layer_name)
        return with_geometry(path, frame, "Excel", decimal_comma=False,
                             encoding_note=EXCEL_NOTE, layer_name=sheet)
    data = path.read_bytes()
    choice = text_encoding(data, encoding)
    text = decode(path, data, choice.encoding)
    delimiter = sniff_delimiter(text, path)
    frame = parse_csv(path, text, delimiter)
    return with_geometry(path, frame, "TSV" if delimiter == "\t" else "CSV",
                         decimal_comma=delimiter != ",", encoding=choice.encoding,
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

    >>> geometry_columns(["名称", "经度", "纬度"])
    ('xy', '经度', '纬度')
    """
    names = {column: normalise_name(column) for column in columns}
    wkt = [c for c, n in names.items() if n in WKT_NAMES]
    xs = [c for c, n in names.items() if n in X_NAMES]
    ys = [c for c, n in names.items() if n in Y_NAMES]
    if wkt:
        return ("wkt", wkt[0])
    return ("xy", xs[0], ys[0]) if xs and ys else None


def with_geometry(path: Path, frame: pd.DataFrame, label: str, decimal_comma: bool,
                  **notes: str) -> Reading:
    """A reading with ``_row`` and the geometry built from the recognised columns."""
    found = geometry_columns(list(frame.columns))
    if found is None:
        raise InvalidInput(f"{path.name}: no coordinate columns (looked for lon/lat, 经度/纬度, "
                           f"X/Y, X坐标/Y坐标 or a WKT column) among {', '.join(map(str, frame.columns))}")
    if found[0] == "wkt":
        geometry, problems = wkt_geometries(frame[found[1]])
    else:
        geometry, problems = point_coordinates(frame[found[1]], frame[found[2]], decimal_comma)
    attributes = frame.reset_index(drop=True)
    attributes.insert(0, "_row", np.arange(1, len(frame) + 1))
    return Reading(attributes, geometry, label, warnings=problems, **notes)


def wkt_geometries(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Geometries parsed from WKT text; unparseable text is named, empty cells are not."""
    text = column.astype(object).where(column.notna(), None).to_numpy()
    geometries = shapely.from_wkt(text, on_invalid="ignore")
    bad = np.flatnonzero(pd.isna(geometries) & column.notna().to_numpy())
    return geometries, [f"row {i + 1}: {column.name} {text[i]!r} is not WKT; geometry left empty"
                        for i in bad[:MAX_NAMED_ROWS]] + summary(bad)


def point_coordinates(xs: pd.Series, ys: pd.Series,
                      decimal_comma: bool) -> tuple[np.ndarray, list[str]]:
    """(n, 2) x/y from coordinate columns; a value that is no number is named, left NaN."""
    xy = np.column_stack([numbers(xs, decimal_comma), numbers(ys, decimal_comma)])
    valid = np.isfinite(xy).all(axis=1)
    xy[~valid] = np.nan
    given = xs.notna().to_numpy() | ys.notna().to_numpy()
    bad = np.flatnonzero(given & ~valid)
    return xy, [f"row {i + 1}: {xs.name} {xs.iloc[i]!r}, {ys.name} {ys.iloc[i]!r} "
                f"is not a coordinate pair; geometry left empty"
                for i in bad[:MAX_NAMED_ROWS]] + summary(bad)


def numbers(column: pd.Series, decimal_comma: bool) -> np.ndarray:
    text = column.astype(str).str.strip()
    if decimal_comma:  # ';'-separated files from European locales write 114,5
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def summary(bad: np.ndarray) -> list[str]:
    extra = len(bad) - MAX_NAMED_ROWS
    return [f"... and {extra} more rows without a readable geometry"] if extra > 0 else []
