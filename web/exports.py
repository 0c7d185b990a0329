"""Writing asset frames for planners and crews: GeoJSON, CSV, GeoPackage, GeoParquet; and the
spreadsheet rules every CSV or Excel file people open must follow.

GeoJSON is RFC 7946 (lon/lat, WGS84-compatible CGCS2000). A CSV or XLSX meant for Excel,
WPS or LibreOffice (`spreadsheet_table`, `csv_bytes`, `xlsx_bytes`):

- carries a UTF-8 byte-order mark (CSV), so the Chinese text is read as UTF-8;
- keeps codes and ids as text: Excel keeps 15 significant digits and shows 12 or more as
  1.30100E+15, so a text cell of six or more digits (a 16-digit GB/T 30428 code, a 12-digit
  case number, a 9-digit grid code) or with a leading zero is written ``="1301020104000084"``
  in CSV; XLSX stores every text cell as text;
- neutralises formulas (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is prefixed with ``'`` so it is shown, never evaluated.

>>> fmt_for("out.geojson"), fmt_for("out.csv")
('geojson', 'csv')
>>> spreadsheet_text("=HYPERLINK(\\"http://x\\")"), spreadsheet_text("1301020104000084", csv=True)
('\\'=HYPERLINK("http://x")', '="1301020104000084"')
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from registry.errors import InvalidInput
from web.geojson import feature_collection

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg",
           ".parquet": "parquet"}
MEDIA_TYPES = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
               "gpkg": "application/geopackage+sqlite3", "parquet": "application/vnd.apache.parquet",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: Where the people reading the files are: times are stored UTC and written in this zone.
TIME_ZONE = "Asia/Shanghai"
#: What makes a spreadsheet read a cell as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Digit strings that are codes, not quantities: a spreadsheet would make them numbers (losing
#: leading zeros, digits past the 15th, showing 1.3E+15 from 12 digits). Six digits and more
#: covers the GB/T 2260 county code, grid codes, case numbers and GB/T 30428 codes.
CODE_LIKE = re.compile(r"0\d+|\d{6,}")


def fmt_for(path: str | Path) -> str:
    """The export format named by a file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"{path}: unknown export format {suffix!r}; use one of "
                           f"{', '.join(FORMATS)}")
    return FORMATS[suffix]


def write(frame: gpd.GeoDataFrame, path: str | Path, layer: str = "assets") -> Path:
    """Write `frame` to `path` in the format its extension names (CSV safe for Excel)."""
    path = Path(path)
    fmt = fmt_for(path)
    if fmt == "geojson":
        path.write_bytes(feature_collection(frame))
    elif fmt == "csv":
        path.write_bytes(csv_bytes(with_wkt(frame)))
    elif fmt == "gpkg":
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    else:
        frame.to_parquet(path)
    return path


def write_csv(frame: gpd.GeoDataFrame, fh: IO[str]) -> None:
    """Attributes plus a ``wkt`` column, as plain CSV for pipes and scripts (no BOM, no
    spreadsheet quoting: `csv_bytes` writes files people open)."""
    with_wkt(frame).to_csv(fh, index=False, lineterminator="\n")


def with_wkt(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The attributes, the geometry as a last ``wkt`` column."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=8)
    return table


def spreadsheet_text(value: Any, csv: bool = False) -> Any:
    """A cell as a spreadsheet must get it: formulas neutralised, codes kept as text (in CSV
    by ``="..."``; XLSX marks the cell as text instead). Numbers pass unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    if csv and CODE_LIKE.fullmatch(value):
        return f'="{value}"'
    return value


def spreadsheet_table(table: pd.DataFrame, csv: bool = False) -> pd.DataFrame:
    """Every text cell of `table` through `spreadsheet_text`."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: spreadsheet_text(v, csv), na_action="ignore")
    return out


def local_times(values: pd.Series) -> pd.Series:
    """UTC ISO times as Beijing time, ``2026-12-09T10:00:00.000Z`` → ``2026-12-09 18:00``;
    empty stays empty, and a value that is not a time is kept as it was.

    >>> local_times(pd.Series(["2026-12-09T10:00:00.000Z", None, "soon"])).tolist()
    ['2026-12-09 18:00', None, 'soon']
    """
    moments = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    shown = moments.dt.tz_convert(TIME_ZONE).dt.strftime("%Y-%m-%d %H:%M")
    kept = shown.where(moments.notna(), values).astype(object)
    return kept.where(kept.notna(), None)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """`table` as a CSV Excel opens right: UTF-8 with BOM, codes as text, no formulas."""
    return spreadsheet_table(table, csv=True).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, sheet: str) -> bytes:
    """`table` as a one-sheet workbook: text cells typed as text (so a code stays a code and
    nothing is a formula), numbers as numbers."""
    from openpyxl import Workbook
    book = Workbook()
    page = book.active
    page.title = re.sub(r"[\[\]:*?/\\]", " ", sheet)[:31] or "Sheet1"
    page.append([str(c) for c in table.columns])
    for row in spreadsheet_table(table).itertuples(index=False):
        page.append([_cell(v) for v in row])
    for cells in page.iter_rows(min_row=1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise read "=..." as a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A value openpyxl can store: missing values empty, numpy scalars as Python ones."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
