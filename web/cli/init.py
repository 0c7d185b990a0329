"""`infracensus init`: create an empty registry."""
from __future__ import annotations

import click

import registry
from web.cli.options import clear_errors, parse_bbox, registry_option


@click.command()
@registry_option
@click.option("--county", required=True, metavar="CODE",
              help="6-digit GB/T 2260 county code, the prefix of every GB/T component code.")
@click.option("--name", default="Infracensus registry", help="A name for the registry.")
@click.option("--metric-srid", default=4547, show_default=True, type=int,
              help="EPSG code of the metric CRS used for lengths and distances.")
@click.option("--extent", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT",
              help="The city's lon/lat box; assets outside are refused (default Shijiazhuang).")
@clear_errors
def init(registry_url: str, county: str, name: str, metric_srid: int, extent: str | None) -> None:
    """Create a new, empty registry (a GeoPackage that GDAL and QGIS open as it is)."""
    reg = registry.create(registry_url, county=county, name=name, metric_srid=metric_srid,
                          extent=parse_bbox(extent))
    click.echo(f"created {reg.url}: county {county}, layers {', '.join(reg.layers)}")
