"""Records already checked against their layer: what lets a write skip checking them again.

A survey import checks a million records once, to report every problem by row; conflation
compares the same coerced values with the stored ones; the write then stores them. A
`Checked` comes from `Registry.check`, and a write takes one only from the registry that
made it and for its layer: a check cannot be borrowed from another registry or layer, its
problems cannot be dropped, and the records it hands out are copies (copy-on-write), so
changing them never changes what is written. What depends on the stored data (source ids
and UUIDs already taken, assets retired since) is still checked inside the write's
transaction.

>>> import registry, tempfile, geopandas as gpd, shapely
>>> reg = registry.create(tempfile.mkdtemp() + "/c.gpkg", county="130102")
>>> drains = gpd.GeoDataFrame({"depth_m": ["1.5", "0.1"]}, index=[7, 8],
...                           geometry=[shapely.Point(114.5, 38.04)] * 2, crs=4490)
>>> checked = reg.check("drains", drains)
>>> checked.records["depth_m"].tolist(), [(p["row"], p["reason"]) for p in checked.problems]
([1.5, 0.1], [(8, 'below the minimum 0.2 m')])
>>> checked.rows([7]).problems
()
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import geopandas as gpd
import pandas as pd

from registry.errors import InvalidInput


@dataclass(frozen=True)
class Checked:
    """One layer's records, coerced to their field types in the storage CRS, and every rule
    they break (none: all may be written).

    The records keep the caller's index, and problems name those rows. `uuids` are set only
    on edits (`as_edits`), which name the assets they change.
    """

    layer: str
    _records: gpd.GeoDataFrame = field(repr=False)
    problems: tuple[dict, ...]
    owner: Any = field(repr=False, compare=False)
    uuids: pd.Series | None = None

    @property
    def records(self) -> gpd.GeoDataFrame:
        """The checked records; a change to them is the caller's own (copy-on-write)."""
        return self._records.copy(deep=False)

    def rows(self, rows: Sequence | pd.Index) -> "Checked":
        """The same check, of these rows only (in this order)."""
        keep = set(rows)
        return replace(self, _records=self._records.loc[rows],
                       problems=tuple(p for p in self.problems if p["row"] in keep),
                       uuids=None if self.uuids is None else self.uuids.loc[rows])

    def as_edits(self, uuids: Sequence[str]) -> "Checked":
        """These records as edits of the assets `uuids` (one per record, in order).

        An edit never changes a source id, so that column is left out.
        """
        if len(uuids) != len(self._records):
            raise InvalidInput(f"{len(uuids)} UUIDs for {len(self._records)} edits")
        records = self._records
        return replace(self, _records=records.drop(columns=["source_id"], errors="ignore"),
                       uuids=pd.Series(list(uuids), index=records.index, dtype=object))

    def require(self, owner: Any, layer: str, edits: bool) -> None:
        """Refuse a check that another registry made, or made for another layer, and edits
        given as new records or new records as edits."""
        if owner is not self.owner or layer != self.layer:
            raise InvalidInput(f"records checked for layer {self.layer}, by this registry or "
                               f"another, cannot be written to layer {layer} here: check "
                               "them again")
        if edits != (self.uuids is not None):
            raise InvalidInput("edits name the assets they change (Checked.as_edits); new "
                               "records name none")
