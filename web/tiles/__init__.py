"""Mapbox Vector Tiles of the registry's layers under ``/tiles/{layer}/{z}/{x}/{y}.mvt``."""
