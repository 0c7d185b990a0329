"""The web layer: the Flask application, its blueprints and the ``infracensus`` CLI.

This is the outermost layer of Infracensus: it may import `registry` and `importers`,
and nothing imports it. Build an application with `web.app.create_app`.
"""
