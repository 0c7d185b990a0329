"""Answering a `Query` from a GeoPackage: R*Tree window, SQL filters, exact geometry tests.

The hot path — a box over a point layer — is one SQL statement joined to the R*Tree with
paging in SQL. Other spatial tests fetch the index candidates and test them on whole arrays
with shapely, then page. As-of queries read current rows that were already current at that
moment plus the snapshots of versions valid then.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from registry.change import iso
from registry.filters import spatial_prefilter
from registry.frames import asset_columns, selected_columns, typed
from registry.layers import Layer
from registry.measure import metric
from registry.query import Query
from registry.settings import Settings
from registry.storage.gpkg_binary import decode, point_xy
from registry.storage.gpkg_connection import Connections
from registry.storage.sqlite_filters import compile_filter

#: An exact geometry test: which of these geometries pass.
Exact = Callable[[np.ndarray], np.ndarray]
#: Nearest-neighbour search starts with this radius and widens it until k assets are inside.
_FIRST_RADIUS_M = 100.0
_MAX_RADIUS_M = 1_000_000.0
#: Pages ending this far in are first read unsorted (see `Fetcher._unsorted_page`): at worst
#: that many rows are read in vain before the sorted statement.
_UNSORTED_PAGE = 2_000
#: SQLite binds at most 250,000 parameters per statement here; stay well below.
_IDS_PER_STATEMENT = 50_000


@dataclass
class _Plan:
    source: str
    params: list = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    box: tuple[float, float, float, float] | None = None
    use_rtree: bool = True
    exact: list[Exact] = field(default_factory=list)
    #: A box over points: settle edge cases in SQL so paging can stay in SQL.
    exact_points: bool = False
    #: The attribute columns to return (`Query.properties`); None: all.
    columns: list[str] | None = None
    #: Within a distance: the target in the metric CRS and the distance in metres.
    near: tuple[BaseGeometry, float] | None = None

    @property
    def tested(self) -> bool:
        """Whether rows must pass geometry tests in Python after the SQL."""
        return bool(self.exact) or self.near is not None


class Fetcher:
    """Runs queries against one layer's feature table."""

    def __init__(self, db: Connections, layer: Layer, settings: Settings) -> None:
        self.db, self.layer, self.settings = db, layer, settings
        self.metric = metric(settings.storage_srid, settings.metric_srid)
        self.columns = asset_columns(layer)
        self.points_only = set(layer.geometry) <= {"Point"}

    def fetch(self, query: Query) -> gpd.GeoDataFrame:
        """Matching assets, paged, ordered by internal id (or by distance for nearest)."""
        if query.nearest is not None:
            return self._nearest(query)
        plan = self._plan(query)
        if not plan.tested:
            return self._run(plan, query.limit, query.offset)
        frame = self._filtered(plan)
        end = None if query.limit is None else query.offset + query.limit
        return frame.iloc[query.offset:end].reset_index(drop=True)

    def count(self, query: Query) -> int:
        """How many assets match, ignoring paging."""
        if query.nearest is not None:
            return len(self._nearest(query))
        plan = self._plan(query)
        if plan.tested:
            return len(self._filtered(plan))
        sql = f"SELECT COUNT(*) FROM {plan.source} t {self._join(plan)} WHERE {self._where(plan)}"
        return self.db.conn.execute(sql, self._params(plan)).fetchone()[0]

    def centres(self, query: Query) -> np.ndarray:
        """Box centres of the matching assets; points are read straight from their blobs,
        without building geometries or a frame."""
        plan = self._plan(query)
        if not plan.tested:
            sql = (f"SELECT t.geom FROM {plan.source} t {self._join(plan)} "
                   f"WHERE {self._where(plan)}")
            blobs = [row[0] for row in self.db.conn.execute(sql, self._params(plan))]
            xy = point_xy(blobs) if blobs else np.empty((0, 2))
            if xy is not None:
                return xy
        frame = self._filtered(plan) if plan.tested else self._run(plan, None, 0)
        bounds = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
        return np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2,
                                (bounds[:, 1] + bounds[:, 3]) / 2]).reshape(-1, 2)

    def by_uuid(self, uuids: list[str]) -> gpd.GeoDataFrame:
        """Current rows of these assets, retired ones included, with their ``_fid``."""
        parts = []
        for start in range(0, max(len(uuids), 1), _IDS_PER_STATEMENT):
            chunk = uuids[start:start + _IDS_PER_STATEMENT]
            plan = _Plan(f'"{self.layer.name}"', params=list(chunk), use_rtree=False,
                         where=[f"t.uuid IN ({', '.join('?' * len(chunk))})"])
            parts.append(self._run(plan, None, 0, keep_fid=True))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    # -- planning -------------------------------------------------------------------------
    def _plan(self, query: Query) -> _Plan:
        self.db.spatial_args.clear()
        plan = _Plan(f'"{self.layer.name}"', use_rtree=query.as_of is None)
        self._add_window(plan, query)
        if query.as_of:
            self._as_of_source(plan, query)
        plan.columns = selected_columns(self.layer, query.properties)
        if not query.as_of and not query.include_retired:
            plan.where.append("t.retired_at IS NULL")
        if query.grid is not None:
            plan.where.append("t.grid_code = ?")
            plan.params.append(query.grid)
        if query.ids is not None:
            plan.where.append(f"t.uuid IN ({', '.join('?' * len(query.ids))})")
            plan.params.extend(query.ids)
        if query.filter is not None:
            sql, params = compile_filter(query.filter, set(self.columns), self.db.spatial_args)
            plan.where.append(sql)
            plan.params.extend(params)
        return plan

    def _as_of_source(self, plan: _Plan, query: Query) -> None:
        """Rows as they stood at `query.as_of`: current rows already current then and snapshots
        of versions valid then. With a window, both are found through the R*Tree rather than by
        reading every snapshot of the period (see `_snapshots_in_window`)."""
        moment = iso(query.as_of)  # type: ignore[arg-type]
        cols = ", ".join(["t.fid", "t.geom"] + [f't."{c}"' for c in self.columns])
        window = ("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?"
                  if plan.box is not None else None)
        current, params = f'"{self.layer.name}" t', [moment]
        if window is not None:
            current += f' JOIN "rtree_{self.layer.name}_geom" r ON r.id = t.fid AND {window}'
            params = [*self._rtree_box(plan), moment]
        snapshots, snapshot_params = self._snapshots(plan, moment)
        plan.source = (f"(SELECT {cols} FROM {current} WHERE t.updated_at <= ? AND "
                       f"t.retired_at IS NULL UNION ALL {snapshots})")
        plan.params[:0] = params + snapshot_params

    def _snapshots(self, plan: _Plan, moment: str) -> tuple[str, list]:
        """Snapshots of the layer's versions valid at `moment` (within the plan's window)."""
        snapshot = ", ".join(["v.fid", "v.geom"] + [f"json_extract(v.attributes, '$.\"{c}\"')"
                                                    for c in self.columns])
        valid = "v.layer = ? AND v.valid_from <= ? AND v.valid_to > ?"
        if plan.box is None:
            return f"SELECT {snapshot} FROM asset_versions v WHERE {valid}", \
                [self.layer.name, moment, moment]
        return self._snapshots_in_window(snapshot, valid, plan, moment)

    def _snapshots_in_window(self, snapshot: str, valid: str, plan: _Plan,
                             moment: str) -> tuple[str, list]:
        """Versions of the assets whose current box meets the window (R*Tree, then the uuid
        index), plus versions of assets that have moved since, whose old geometry is tested
        against the window only when it differs from the current one. The R*Tree holds only
        current geometries; an asset that moved is rare, and the blob comparison is cheap."""
        table, rtree = f'"{self.layer.name}"', f'"rtree_{self.layer.name}_geom"'
        box = self._rtree_box(plan)
        minx, miny, maxx, maxy = plan.box  # type: ignore[misc]
        # CROSS JOIN fixes the order: SQLite would otherwise start from the versions' window.
        here = (f"SELECT {snapshot} FROM {rtree} r CROSS JOIN {table} t ON t.fid = r.id "
                "CROSS JOIN asset_versions v ON v.uuid = t.uuid WHERE r.minx <= ? AND r.maxx >= ? "
                "AND r.miny <= ? AND r.maxy >= ? AND v.valid_from <= ? AND v.valid_to > ?")
        # CASE keeps SQLite from calling the (Python) box test before the blob comparison.
        moved = (f"SELECT {snapshot} FROM asset_versions v WHERE {valid} "
                 f"AND CASE WHEN v.geom IS NOT (SELECT geom FROM {table} WHERE fid = v.fid) "
                 "THEN infracensus_point_in(v.geom, ?, ?, ?, ?) END "
                 f"AND NOT EXISTS (SELECT 1 FROM {rtree} r WHERE r.id = v.fid "
                 "AND r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?)")
        valid_params = [self.layer.name, moment, moment]
        return f"{here} UNION ALL {moved}", [*box, moment, moment, *valid_params,
                                             minx, miny, maxx, maxy, *box]

    @staticmethod
    def _rtree_box(plan: _Plan) -> list[float]:
        """The plan's window as the R*Tree test's parameters (minx <= ?, maxx >= ?, ...)."""
        minx, miny, maxx, maxy = plan.box  # type: ignore[misc]
        return [maxx, minx, maxy, miny]

    def _add_window(self, plan: _Plan, query: Query) -> None:
        boxes = []
        if query.bbox is not None:
            boxes.append(tuple(query.bbox))
            if not self.points_only or not plan.use_rtree:
                plan.exact.append(_test("intersects", shapely.box(*query.bbox)))
            else:
                plan.exact_points = True
        if query.geometry is not None and query.distance_m is None:
            boxes.append(query.geometry.bounds)
            plan.exact.append(_test(query.predicate, query.geometry))
        if query.geometry is not None and query.distance_m is not None:
            boxes.append(self._grown(query.geometry.bounds, query.distance_m))
            target = self.metric.to_metric([query.geometry])[0]
            shapely.prepare(target)
            plan.near = (target, query.distance_m)
        prefilter = spatial_prefilter(query.filter) if query.filter is not None else None
        if prefilter is not None:
            boxes.append(prefilter.bounds)
        if boxes:
            b = np.array(boxes, dtype=float)
            plan.box = (b[:, 0].max(), b[:, 1].max(), b[:, 2].min(), b[:, 3].min())
            if not plan.use_rtree and query.bbox is None:
                plan.exact.insert(0, _test("intersects", shapely.box(*plan.box)))

    def _grown(self, bounds: tuple, metres: float) -> tuple[float, float, float, float]:
        dlon, dlat = self.metric.degrees_for(metres, max(abs(bounds[1]), abs(bounds[3])))
        return bounds[0] - dlon, bounds[1] - dlat, bounds[2] + dlon, bounds[3] + dlat

    # -- running --------------------------------------------------------------------------
    def _join(self, plan: _Plan) -> str:
        if plan.box is None or not plan.use_rtree:
            return ""
        return f'JOIN "rtree_{self.layer.name}_geom" r ON r.id = t.fid'

    def _where(self, plan: _Plan) -> str:
        where = list(plan.where)
        if self._join(plan):
            where.insert(0, "r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
            if plan.exact_points:
                # The R*Tree keeps float32 boxes rounded outwards: decide the few entries that
                # straddle the edge on the stored coordinates themselves.
                where.insert(1, "(r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ? "
                                "OR infracensus_point_in(t.geom, ?, ?, ?, ?))")
        return " AND ".join(where) or "1"

    def _params(self, plan: _Plan) -> list:
        if not self._join(plan):
            return plan.params
        minx, miny, maxx, maxy = plan.box  # type: ignore[misc]
        exact = [minx, maxx, miny, maxy, minx, miny, maxx, maxy] if plan.exact_points else []
        return [maxx, minx, maxy, miny] + exact + plan.params

    def _run(self, plan: _Plan, limit: int | None, offset: int,
             keep_fid: bool = False) -> gpd.GeoDataFrame:
        columns = plan.columns or self.columns
        names = ["t.fid", "t.geom"] + [f't."{c}"' for c in columns]
        sql = (f"SELECT {', '.join(names)} FROM {plan.source} t {self._join(plan)} "
               f"WHERE {self._where(plan)}")
        params = self._params(plan)
        rows = self._unsorted_page(sql, params, limit, offset)
        if rows is None:
            rows = self.db.conn.execute(f"{sql} ORDER BY t.fid LIMIT ? OFFSET ?", params + [
                -1 if limit is None else limit, offset]).fetchall()
        return self._frame(rows, columns, keep_fid)

    def _unsorted_page(self, sql: str, params: list, limit: int | None,
                       offset: int) -> list[tuple] | None:
        """The page sorted by id here rather than in SQL, or None when more rows match than a
        small page ends with (then only SQL can pick the page without reading them all).

        SQLite sorts whole rows (a temporary B-tree of every column): about a fifth of a box
        query of a few hundred rows, where sorting the fetched tuples costs next to nothing.
        """
        end = None if limit is None else offset + limit
        if (offset if end is None else end > _UNSORTED_PAGE):
            return None
        cursor = self.db.conn.execute(sql, params)
        rows = cursor.fetchall() if end is None else cursor.fetchmany(end + 1)
        cursor.close()
        if end is not None and len(rows) > end:
            return None
        rows.sort(key=itemgetter(0))
        return rows[offset:end]

    def _frame(self, rows: list[tuple], names: list[str], keep_fid: bool = False,
               distance: np.ndarray | None = None) -> gpd.GeoDataFrame:
        """The frame of rows of ``fid, geom, *names``, with their ``_fid`` and distance when
        asked (both after the attributes, as every backend answers)."""
        columns = list(zip(*rows)) if rows else [()] * (len(names) + 2)
        values: list[Any] = list(columns[2:])
        extra: list[str] = []
        if keep_fid:
            values.append(columns[0])
            extra.append("_fid")
        if distance is not None:
            values.append(distance)
            extra.append("distance_m")
        return typed(self.layer, [*names, *extra], values, decode(columns[1]),
                     self.settings.storage_srid)

    def _filtered(self, plan: _Plan) -> gpd.GeoDataFrame:
        frame = self._run(plan, None, 0)
        keep, distance = self._exact(plan, frame.geometry.to_numpy())
        if distance is not None:
            frame = frame.assign(distance_m=distance)
        return frame if keep.all() else frame[keep].reset_index(drop=True)

    def _exact(self, plan: _Plan, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Which geometries pass the plan's exact tests, and their distances in metres when
        the plan has a distance."""
        keep = np.ones(len(geoms), dtype=bool)
        for test in plan.exact:
            keep &= test(geoms)
        if plan.near is None:
            return keep, None
        target, metres = plan.near
        distance = shapely.distance(self.metric.to_metric(geoms), target)
        return keep & (distance <= metres), distance

    def _nearest(self, query: Query) -> gpd.GeoDataFrame:
        """The k nearest: widen a circle until it holds k assets, ranking candidates on their
        ids and geometries alone; only the k chosen are read in full."""
        point, radius = query.nearest, _FIRST_RADIUS_M
        assert point is not None
        while True:
            plan = self._plan(replace(query, nearest=None, geometry=point, distance_m=radius,
                                      predicate="intersects", limit=None, offset=0))
            fids, geoms = self._candidates(plan)
            keep, distance = self._exact(plan, geoms)
            if keep.sum() >= query.k or radius >= _MAX_RADIUS_M:
                break
            radius *= 4
        inside = np.flatnonzero(keep)
        chosen = inside[np.argsort(distance[inside], kind="stable")][:query.k]  # type: ignore
        return self._rows_in_order(plan, fids[chosen], distance[chosen])  # type: ignore

    def _candidates(self, plan: _Plan) -> tuple[np.ndarray, np.ndarray]:
        """Internal ids and geometries of the rows the plan's SQL selects, in id order."""
        sql = (f"SELECT t.fid, t.geom FROM {plan.source} t {self._join(plan)} "
               f"WHERE {self._where(plan)} ORDER BY t.fid")
        rows = self.db.conn.execute(sql, self._params(plan)).fetchall()
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
        fids, blobs = zip(*rows)
        return np.array(fids, dtype=np.int64), decode(blobs)

    def _rows_in_order(self, plan: _Plan, fids: np.ndarray,
                       distance: np.ndarray) -> gpd.GeoDataFrame:
        """The plan's rows with these internal ids, in the order given, with their distance."""
        plan.where.append(f"t.fid IN ({', '.join('?' * len(fids))})")
        plan.params.extend(fids.tolist())
        columns = plan.columns or self.columns
        names = ["t.fid", "t.geom"] + [f't."{c}"' for c in columns]
        sql = f"SELECT {', '.join(names)} FROM {plan.source} t {self._join(plan)} " \
              f"WHERE {self._where(plan)}"
        by_fid = {row[0]: row for row in self.db.conn.execute(sql, self._params(plan))}
        return self._frame([by_fid[fid] for fid in fids.tolist()], columns, distance=distance)


def _test(predicate: str, geometry: BaseGeometry) -> Exact:
    shapely.prepare(geometry)
    test = shapely.within if predicate == "within" else shapely.intersects
    return lambda geoms: test(geoms, geometry)
