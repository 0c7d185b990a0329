"""The courtyard gas programme on the web: JSON APIs under ``/api/gas/`` and the ``/gas``
dashboard (charts, map of courtyards, exports, isolation trace)."""
