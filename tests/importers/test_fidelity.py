"""The intake fidelity table (the README's): every survey — the demo's deliveries, the trap
files, the real Cambridge layers — goes in with its columns mapped as meant and every accepted
record's source attributes kept verbatim; only unusable records are rejected."""
from __future__ import annotations

from pathlib import Path

import pytest

from fidelity import Fidelity, fidelity_table


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Fidelity]:
    root = tmp_path_factory.mktemp("fidelity")
    for part in ("demo", "traps", "cambridge"):
        (root / part).mkdir()
    return {row.survey: row for row in fidelity_table(Path(root))}


def test_every_column_goes_where_it_was_meant(table: dict[str, Fidelity]) -> None:
    assert {name: (row.mapped, row.meant) for name, row in table.items()
            if row.mapped != row.meant} == {}


def test_every_written_record_keeps_all_its_source_attributes(table: dict[str, Fidelity]) -> None:
    assert {name: (row.kept, row.written) for name, row in table.items()
            if row.kept != row.written} == {}
    assert sum(row.written for row in table.values()) > 7000


@pytest.mark.parametrize("survey, counts", [
    # read, accepted, flagged, rejected, held duplicates
    ("demo drains.shp", (203, 200, 0, 2, 1)),
    ("pinyin-coded gas mains (GeoPackage)", (4, 4, 0, 0, 0)),
    # "3 furlongs" and "762/610": kept, the field left empty, flagged
    ("drains: XCOORD, unit headers, 状态, 材质 (CSV)", (4, 4, 2, 0, 0)),
    ("drains: 上午/下午 and 年月日 dates", (3, 3, 0, 0, 0)),
    ("drains: text coordinates (GeoJSON)", (3, 3, 0, 0, 0)),
    ("bridges surveyed as points", (2, 2, 0, 0, 0)),
    ("drains: destroyed GBK text (shapefile)", (3, 3, 1, 0, 0)),
    ("Cambridge street lights", (6117, 6116, 0, 0, 1)),
])
def test_only_unusable_records_are_rejected(table: dict[str, Fidelity], survey: str,
                                            counts: tuple[int, ...]) -> None:
    row = table[survey]
    assert (row.records, row.accepted, row.flagged, row.rejected, row.held) == counts
