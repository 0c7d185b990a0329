"""`infracensus layers`: what the registry holds, from the layer files."""
from __future__ import annotations

import click

from registry.layers import load_layers


@click.command()
@click.argument("layer", required=False)
def layers(layer: str | None) -> None:
    """List the layers, or one layer's fields with their domains and survey aliases."""
    library = load_layers()
    if layer is None:
        for lay in library.values():
            classes = ", ".join(sorted(lay.class_codes())) or "-"
            click.echo(f"{lay.name:<14} {lay.zh:<8} {'/'.join(lay.geometry):<40} "
                       f"GB/T {classes:<20} {len(lay.fields)} fields")
        return
    for f in library[layer].fields:
        domain = ", ".join(f.values) if f.values else (f"{f.range[0]:g}–{f.range[1]:g}"
                                                       if f.range else "")
        click.echo(f"{f.name:<20} {f.label('zh'):<16} {f.type:<6} {domain:<40} "
                   f"{', '.join(f.aliases)}")
