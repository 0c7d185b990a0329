"""`infracensus history`: an asset's versions and maintenance events."""
from __future__ import annotations

import click

from registry import Query
from registry.errors import NotFound
from registry.filters import Compare
from web.cli.options import clear_errors, open_registry, registry_option


def _resolve(reg, asset: str) -> str:  # type: ignore[no-untyped-def]
    """A UUID from a UUID or a 16-digit GB/T code."""
    if not (len(asset) == 16 and asset.isdigit()):
        return asset
    for layer in reg.layers.values():
        found = reg.query(Query(layer.name, where=Compare("gbt_code", "=", asset),
                                include_retired=True, limit=1))
        if len(found):
            return str(found["uuid"].iloc[0])
    raise NotFound(f"no asset with GB/T code {asset}")


@click.command()
@registry_option
@click.argument("asset")
@clear_errors
def history(registry_url: str, asset: str) -> None:
    """Print ASSET's versions (who, when, why, what changed) and its maintenance events.

    ASSET is a UUID or a 16-digit GB/T code.
    """
    reg = open_registry(registry_url)
    record = reg.history(_resolve(reg, asset))
    state = record["versions"][-1]["state"]
    click.echo(f"{reg.layers[record['layer']].zh} {state.get('gbt_code') or ''} "
               f"uuid {record['uuid']} source id {state.get('source_id')}")
    click.echo("versions 版本:")
    for v in record["versions"]:
        changes = "; ".join(f"{k}: {a} → {b}" for k, (a, b) in v["changes"].items())
        click.echo(f"  v{v['version']} {v['valid_from']} {v['kind']:<7} {v['who']} "
                   f"[{v['source']}{' ' + v['ref'] if v['ref'] else ''}] {v['why'] or ''} "
                   f"{changes}".rstrip())
    click.echo(f"events 维护记录: {len(record['events'])}")
    for e in record["events"]:
        click.echo(f"  {e['date']} {e['kind']} {e['crew'] or ''} condition "
                   f"{e['condition_before'] or '?'} → {e['condition_after'] or '?'} "
                   f"{e['notes'] or ''}".rstrip())
