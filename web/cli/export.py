"""`infracensus export`: a whole layer to a file (GeoParquet for analytics in DuckDB/Sedona)."""
from __future__ import annotations

import click

from registry import Query
from web.cli.options import clear_errors, open_registry, registry_option
from web.exports import FORMATS, write


@click.command()
@registry_option
@click.argument("layer")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=f"The file; its extension picks the format ({', '.join(FORMATS)}).")
@click.option("--format", "fmt", type=click.Choice(sorted(set(FORMATS.values()))),
              help="Format, when the file name does not say it.")
@clear_errors
def export(registry_url: str, layer: str, output: str, fmt: str | None) -> None:
    """Write every current asset of LAYER to a file."""
    reg = open_registry(registry_url)
    if fmt and not output.endswith(f".{fmt}"):
        output = f"{output}.{fmt}"
    found = reg.query(Query(layer))
    write(found, output, layer=layer)
    click.echo(f"{len(found)} {reg.layers[layer].zh} ({layer}) → {output}")
