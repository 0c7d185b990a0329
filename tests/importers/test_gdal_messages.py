"""GDAL's per-record messages summarised one line per kind, rows named, values not lost."""
from __future__ import annotations

import pandas as pd

from importers.gdal_messages import restore_incomplete, summarise


def test_many_records_of_one_kind_are_one_line_with_the_first_rows():
    rows = list(range(3, 3 + 37 * 3, 3))
    by_row = {row: [f"Value '{row}x' of field d.DATE parsed incompletely to integer {row}."]
              for row in rows}
    assert summarise(by_row, ["Non closed ring detected", "Non closed ring detected"]) == [
        "GDAL: 37 records: Value '…' of field d.DATE parsed incompletely to integer …. "
        "(37 values; first: Value '3x' of field d.DATE parsed incompletely to integer 3.); "
        "the number GDAL read is not used, the text is kept "
        "(rows 3, 6, 9, 12, 15, 18, 21, 24, 27, 30 …)",
        "GDAL: Non closed ring detected (×2)"]


def test_kinds_stay_apart_and_a_row_with_two_kinds_is_in_both():
    by_row = {2: ["Non closed ring detected", "Value 'a' of field N parsed incompletely to real 0."],
              5: ["Non closed ring detected"]}
    assert summarise(by_row, []) == [
        "GDAL: 2 records: Non closed ring detected (rows 2, 5)",
        "GDAL: 1 record: Value 'a' of field N parsed incompletely to real 0.; the number GDAL "
        "read is not used, the text is kept (row 2)"]


def test_the_text_gdal_cut_a_number_from_is_put_back_only_where_it_was():
    frame = pd.DataFrame({"_row": [1, 2, 3], "深度": [1.25, 1.0, 2.0], "name": ["a", "b", "c"]})
    out = restore_incomplete(frame, {2: ["Value '1,5' of field drains.深度 parsed incompletely "
                                         "to real 1."],
                                     3: ["Value 'x' of field drains.nowhere parsed incompletely "
                                         "to real 0."]})
    assert out["深度"].tolist() == [1.25, "1,5", 2.0]
    assert frame["深度"].tolist() == [1.25, 1.0, 2.0]  # the reading's frame is not changed
