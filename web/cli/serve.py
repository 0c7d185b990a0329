"""`infracensus serve`: the web map and APIs for a registry."""
from __future__ import annotations

import click

from web.app import create_app
from web.cli.options import clear_errors, open_registry, registry_option


@click.command()
@registry_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--basemap", metavar="URL", help="Raster tile URL template for a base map "
              "(e.g. the city's own or Tianditu); none by default.")
@clear_errors
def serve(registry_url: str, host: str, port: int, basemap: str | None) -> None:
    """Serve the map, the OGC API and the vector tiles (development server; see the README
    for gunicorn)."""
    open_registry(registry_url)  # fail here, clearly, rather than on the first request
    app = create_app({"REGISTRY": registry_url, "BASEMAP_URL": basemap, "AUTH_REQUIRED": True})
    click.echo(f"Infracensus map: http://{host}:{port}/   OGC API: http://{host}:{port}/ogcapi")
    app.run(host=host, port=port, threaded=True)
