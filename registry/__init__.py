"""Infracensus registry: the domain core — layers, assets, versions, events, queries.

>>> import registry
>>> sorted(registry.load_layers())
['bridges', 'drains', 'gas_mains', 'grids', 'lamp_posts', 'safety_valves']
"""
from registry.api import Registry, create, open
from registry.change import Change
from registry.events import MaintenanceEvent
from registry.layers import load_layers
from registry.query import Query

__all__ = ["Registry", "create", "open", "Change", "MaintenanceEvent", "Query", "load_layers"]
