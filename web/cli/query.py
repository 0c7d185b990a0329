"""`infracensus query`: spatial and attribute queries for planners."""
from __future__ import annotations

import sys

import click
import shapely
from shapely.geometry.base import BaseGeometry

from registry import Query
from registry.change import parse_moment
from registry.errors import InvalidInput
from web.cli.options import clear_errors, open_registry, parse_bbox, registry_option
from web.exports import write, write_csv
from web.geojson import feature_collection


def _geometry(text: str | None) -> BaseGeometry | None:
    if text is None:
        return None
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException:
        raise InvalidInput(f"{text!r} is not WKT geometry (lon/lat, EPSG:4490)") from None


def _point(text: str | None) -> BaseGeometry | None:
    bbox = parse_bbox(f"{text},0,0") if text else None
    return shapely.Point(bbox[0], bbox[1]) if bbox else None


@click.command()
@registry_option
@click.argument("layer")
@click.option("--bbox", help="minlon,minlat,maxlon,maxlat")
@click.option("--intersects", "intersects", metavar="WKT", help="Assets intersecting a geometry.")
@click.option("--within", "within", metavar="WKT", help="Assets inside a geometry.")
@click.option("--distance", type=float, metavar="METRES",
              help="With --intersects: assets within this many metres of the geometry.")
@click.option("--near", metavar="LON,LAT", help="The nearest assets to a point (see --k).")
@click.option("--k", default=10, show_default=True, help="How many nearest assets.")
@click.option("--grid", metavar="GRID_CODE", help="Only assets of this responsibility grid.")
@click.option("--where", metavar="FILTER", help="e.g. \"condition >= 4 and install_year < 2006\"")
@click.option("--as-of", metavar="DATE", help="The layer as it stood at this date or time.")
@click.option("--limit", type=int)
@click.option("--offset", type=int, default=0)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to .geojson, .csv, .gpkg or .parquet (default: GeoJSON on stdout).")
@clear_errors
def query(registry_url: str, layer: str, bbox: str | None, intersects: str | None,
          within: str | None, distance: float | None, near: str | None, k: int,
          grid: str | None, where: str | None, as_of: str | None, limit: int | None,
          offset: int, output: str | None) -> None:
    """Find assets of LAYER by place, grid, attributes and date."""
    reg = open_registry(registry_url)
    q = Query(layer, bbox=parse_bbox(bbox), geometry=_geometry(within or intersects),
              predicate="within" if within else "intersects", distance_m=distance,
              nearest=_point(near), k=k, grid=grid, where=where,
              as_of=parse_moment(as_of) if as_of else None, limit=limit, offset=offset)
    found = reg.query(q)
    if output:
        write(found, output, layer=layer)
        click.echo(f"{len(found)} {reg.layers[layer].zh} → {output}", err=True)
    elif sys.stdout.isatty():
        write_csv(found.drop(columns=["created_at", "updated_at", "retired_at"]), sys.stdout)
    else:
        click.echo(feature_collection(found).decode())
