"""The settings of an app with logins turned off, for the tests of what a feature does rather
than who may use it: ``create_app({"REGISTRY": url, **OPEN})``.

A bare `create_app` requires a login for everything (fail closed); who may do what is tested
in ``tests/auth`` (`test_scope_matrix.py` holds every role against every route).
"""
OPEN = {"AUTH_REQUIRED": False}
