"""Answering a `Query` in PostGIS: one statement per query, every test on the server.

Spatial tests use the GiST index; distances are measured in the registry's metric CRS (as the
GeoPackage backend does), after an index box grown by the distance. Nearest is one statement:
a KNN (``<->``) search for k seeds, whose farthest metric distance bounds the exact answer,
then a within-distance search ranked by distance. As-of queries read current rows that were already
current at that moment plus the snapshots of versions valid then.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from registry.frames import asset_columns, selected_columns, typed
from registry.layers import Layer
from registry.measure import metric
from registry.query import Query
from registry.settings import Settings
from registry.storage.base import PointRows
from registry.storage.postgis_connection import Connections, scalar
from registry.storage.postgis_schema import output
from registry.storage.postgis_sql import Params, compile_filter

_PREDICATES = {"intersects": "ST_Intersects", "within": "ST_Within"}


@dataclass
class Plan:
    """A query as SQL: the row source (aliased ``t``), its conditions and their parameters."""

    source: sql.Composable
    params: Params = field(default_factory=Params)
    where: list[sql.Composable] = field(default_factory=list)
    distance: sql.Composable | None = None
    order: sql.Composable = field(default_factory=lambda: sql.SQL("t.fid"))

    def where_sql(self) -> sql.Composable:
        return sql.SQL(" AND ").join(self.where) if self.where else sql.SQL("TRUE")


class Fetcher:
    """Runs queries against one layer's feature table."""

    def __init__(self, db: Connections, layer: Layer, settings: Settings) -> None:
        self.db, self.layer, self.settings = db, layer, settings
        self.metric = metric(settings.storage_srid, settings.metric_srid)
        self.columns = asset_columns(layer)
        self._selects: dict[tuple[str, ...], sql.SQL] = {}
        self._statements = Statements()

    def fetch(self, query: Query) -> gpd.GeoDataFrame:
        """Matching assets, paged, ordered by internal id (or by distance for nearest)."""
        if query.nearest is not None:
            return self._nearest(query)
        return self._run(self.plan(query), query.limit, query.offset,
                         selected_columns(self.layer, query.properties))

    def count(self, query: Query) -> int:
        """How many assets match, ignoring paging."""
        if query.nearest is not None:
            return len(self._nearest(query))
        plan = self.plan(query)
        statement = sql.SQL("SELECT count(*) FROM {} t WHERE {}").format(plan.source,
                                                                         plan.where_sql())
        with self.db.connection() as conn:
            return int(scalar(conn, statement, plan.params))

    def centres(self, query: Query) -> np.ndarray:
        """Box centres of the matching assets, computed on the server."""
        if query.nearest is not None:
            frame = self._nearest(query)
            return shapely.get_coordinates(shapely.centroid(shapely.envelope(
                np.asarray(frame.geometry.array, dtype=object)))).reshape(-1, 2)
        plan = self.plan(query)
        statement = sql.SQL(
            "SELECT (ST_XMin(t.geom) + ST_XMax(t.geom)) / 2, (ST_YMin(t.geom) + ST_YMax(t.geom)) "
            "/ 2 FROM {} t WHERE {}").format(plan.source, plan.where_sql())
        with self.db.connection() as conn:
            rows = conn.execute(statement, plan.params).fetchall()
        return np.array(rows, dtype=float).reshape(-1, 2)

    # -- planning -------------------------------------------------------------------------
    def plan(self, query: Query) -> Plan:
        """The source and conditions of a query (nearest aside): what fetch and count share."""
        plan = self._as_of_plan(query) if query.as_of else Plan(sql.Identifier(self.layer.name))
        if not query.as_of and not query.include_retired:
            plan.where.append(sql.SQL("t.retired_at IS NULL"))
        self._add_spatial(plan, query)
        if query.grid is not None:
            plan.where.append(sql.SQL("t.grid_code = {}").format(plan.params(query.grid)))
        if query.ids is not None:
            plan.where.append(sql.SQL("t.uuid = ANY({})").format(
                plan.params([str(i) for i in query.ids])))
        if query.filter is not None:
            plan.where.append(compile_filter(query.filter, self.layer,
                                             self.settings.storage_srid, plan.params))
        return plan

    def _as_of_plan(self, query: Query) -> Plan:
        plan = Plan(sql.SQL(""))
        moment, table = plan.params(query.as_of), sql.Identifier(self.layer.name)
        names = sql.SQL(", ").join(map(sql.Identifier, self.columns))
        snapshot = sql.SQL(", ").join(sql.Identifier("r", c) for c in self.columns)
        plan.source = sql.SQL(
            "(SELECT fid, geom, {names} FROM {table} WHERE updated_at <= {moment} AND "
            "retired_at IS NULL UNION ALL SELECT v.fid, v.geom, {snapshot} FROM asset_versions v,"
            " jsonb_populate_record(NULL::{table}, v.attributes) r WHERE v.layer = {layer} AND"
            " v.valid_from <= {moment} AND v.valid_to > {moment})").format(
            names=names, table=table, moment=moment, snapshot=snapshot,
            layer=plan.params(self.layer.name))
        return plan

    def _geometry(self, plan: Plan, geometry: BaseGeometry) -> sql.Composable:
        return plan.params.geometry(geometry, self.settings.storage_srid)

    def _add_spatial(self, plan: Plan, query: Query) -> None:
        if query.bbox is not None:
            plan.where.append(sql.SQL("ST_Intersects(t.geom, {})").format(
                self._geometry(plan, shapely.box(*query.bbox))))
        if query.geometry is not None and query.distance_m is None:
            plan.where.append(sql.SQL("{}(t.geom, {})").format(
                sql.SQL(_PREDICATES[query.predicate]), self._geometry(plan, query.geometry)))
        if query.geometry is not None and query.distance_m is not None:
            self._add_distance(plan, query.geometry, query.distance_m)

    def _add_distance(self, plan: Plan, geometry: BaseGeometry, metres: float) -> None:
        bounds = geometry.bounds
        dlon, dlat = self.metric.degrees_for(metres, max(abs(bounds[1]), abs(bounds[3])))
        box = shapely.box(bounds[0] - dlon, bounds[1] - dlat, bounds[2] + dlon, bounds[3] + dlat)
        metric = plan.params(self.settings.metric_srid)
        target = sql.SQL("ST_Transform({}, {})").format(self._geometry(plan, geometry), metric)
        projected = sql.SQL("ST_Transform(t.geom, {})").format(metric)
        plan.where.append(sql.SQL("t.geom && {}").format(self._geometry(plan, box)))
        plan.where.append(sql.SQL("ST_DWithin({}, {}, {})").format(
            projected, target, plan.params(float(metres))))
        plan.distance = sql.SQL("ST_Distance({}, {})").format(projected, target)

    # -- running --------------------------------------------------------------------------
    def _run(self, plan: Plan, limit: int | None, offset: int,
             names: list[str] | None = None) -> gpd.GeoDataFrame:
        names = names or self.columns

        def selected() -> sql.Composable:
            columns = [self._selected(tuple(names))]
            if plan.distance is not None:
                columns.append(plan.distance)
            return sql.SQL(", ").join(columns)
        rows = self._page(plan, ("rows", tuple(names)), limit, offset, selected)
        return self._frame(rows, names, plan.distance is not None)

    def point_rows(self, query: Query) -> PointRows | None:
        """The page `fetch` would return as plain rows (`PointRows`), for a layer of points
        (2-D: the column's type takes no z), and not for nearest, which adds a distance."""
        if query.nearest is not None or self.layer.geometry != ("Point",):
            return None
        properties = [n for n in selected_columns(self.layer, query.properties) if n != "uuid"]

        def selected() -> sql.Composable:
            return sql.SQL(", ").join([sql.SQL("ST_X(t.geom), ST_Y(t.geom)"),
                                       *(output(self.layer, c) for c in ["uuid", *properties])])
        rows = self._page(self.plan(query), ("points", tuple(properties)), query.limit,
                          query.offset, selected)
        return PointRows(tuple(properties), rows)

    def _page(self, plan: Plan, kind: tuple, limit: int | None, offset: int,
              selected: Callable[[], sql.Composable]) -> list[tuple]:
        """The rows of a page of a plan, `selected` composing what each row holds when this
        kind and shape of statement is first seen."""
        key = (kind, self._shape(plan), len(plan.params))
        limit_at, offset_at = plan.params(limit), plan.params(offset)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements.keep(key, sql.SQL(
                "SELECT {} FROM {} t WHERE {} ORDER BY {} LIMIT {} OFFSET {}").format(
                selected(), plan.source, plan.where_sql(), plan.order, limit_at, offset_at))
        return self._rows(statement, plan.params)

    def _rows(self, statement: str, params: Params) -> list[tuple]:
        with self.db.connection() as conn:
            # Binary rows: the geometry's WKB arrives as it is, not as hex for the client to
            # decode, and numbers need no parsing; every value loads as the same Python value.
            return conn.execute(statement, params, binary=True).fetchall()

    @staticmethod
    def _shape(plan: Plan) -> tuple[str, ...]:
        """What a plan's statement text depends on (its values are parameters): its source,
        conditions, order and distance, as text."""
        parts = [plan.source, plan.where_sql(), plan.order]
        if plan.distance is not None:
            parts.append(plan.distance)
        return tuple(part.as_string(None) for part in parts)

    def _selected(self, names: tuple[str, ...]) -> sql.SQL:
        """The geometry and these columns as the statement selects them, rendered once: a
        statement is turned into text on every execution, one node at a time, and the 20-odd
        quoted columns were most of the nodes."""
        found = self._selects.get(names)
        if found is None:
            columns = sql.SQL(", ").join([sql.SQL("ST_AsBinary(t.geom)"),
                                          *(output(self.layer, c) for c in names)])
            found = self._selects[names] = sql.SQL(columns.as_string(None))
        return found

    def _frame(self, rows: list[tuple], names: list[str], with_distance: bool
               ) -> gpd.GeoDataFrame:
        width = len(names) + 1 + with_distance
        columns = list(zip(*rows)) if rows else [()] * width
        geometry = shapely.from_wkb(np.fromiter(columns[0], dtype=object, count=len(rows)))
        extra = ["distance_m"] if with_distance else []
        return typed(self.layer, [*names, *extra], columns[1:], geometry,
                     self.settings.storage_srid)

    def _nearest(self, query: Query) -> gpd.GeoDataFrame:
        """The k nearest in metres, in one statement: the k index-nearest (KNN ``<->`` on the
        GiST index, in degrees) are seeds whose farthest metric distance bounds the answer;
        every asset within that distance is then ranked by metric distance."""
        assert query.nearest is not None
        plan = self.plan(replace(query, nearest=None, limit=None, offset=0, where=query.filter))
        names = selected_columns(self.layer, query.properties)
        key = ("nearest", self._shape(plan), tuple(names), len(plan.params), query.k)
        at = plan.params(shapely.to_wkb(query.nearest))
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements.keep(key, self._nearest_statement(plan, names, at,
                                                                           query.k))
        return self._frame(self._rows(statement, plan.params), names, True)

    def _nearest_statement(self, plan: Plan, names: list[str], at: sql.Placeholder,
                           k: int) -> sql.Composable:
        """Nearest's statement, its plan the same for every point: the point reaches the
        planner only through a materialised CTE, and k and the SRIDs are literals, so the
        generic plan PostgreSQL prepares after five calls costs what a custom one does and
        is kept, instead of planning again on every call (a third of the server's time)."""
        storage, metric = (sql.Literal(self.settings.storage_srid),
                           sql.Literal(self.settings.metric_srid))
        distance = sql.SQL("ST_Distance(ST_Transform(t.geom, {}), (SELECT metric FROM at))"
                           ).format(metric)
        # A hair more than the farthest seed, so the seeds themselves pass the test. The
        # index box: the metric square round the point, back in storage coordinates, grown
        # by 1 % and a metre against the curvature of its edges.
        return sql.SQL(
            "WITH at AS MATERIALIZED (SELECT ST_GeomFromWKB({at}, {storage}) AS point, "
            "ST_Transform(ST_GeomFromWKB({at}, {storage}), {metric}) AS metric), "
            "seeds AS (SELECT t.geom FROM {source} t WHERE {where} ORDER BY t.geom <-> "
            "(SELECT point FROM at) LIMIT {k}), "
            "reach AS (SELECT max({distance}) * (1 + 1e-9) + 1e-6 AS metres FROM seeds t) "
            "SELECT {columns}, {distance} FROM {source} t WHERE {where} AND t.geom && "
            "ST_Transform(ST_Expand((SELECT metric FROM at), (SELECT metres FROM reach) * 1.01"
            " + 1), {storage}) AND ST_DWithin(ST_Transform(t.geom, {metric}), (SELECT metric "
            "FROM at), (SELECT metres FROM reach)) ORDER BY {distance}, t.fid LIMIT {k}"
        ).format(at=at, storage=storage, metric=metric, source=plan.source,
                 where=plan.where_sql(), k=sql.Literal(k), distance=distance,
                 columns=self._selected(tuple(names)))


class Statements(dict):
    """Statement texts by query shape, rendered once: psycopg renders a composed statement
    node by node on every execution, which took longer than a small query runs. Bounded,
    since filters of any shape can arrive over HTTP.

    >>> cache = Statements()
    >>> cache.keep(("k",), sql.SQL("SELECT {}").format(sql.Literal(1)))
    'SELECT 1'
    """

    LIMIT = 512

    def keep(self, key: tuple, statement: sql.Composable) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[key] = statement.as_string(None)
        return text
