"""Helpers of the auth tests: a small writable registry with one user per role, and logging
in as a browser would (form + CSRF token)."""
from __future__ import annotations

import re

import geopandas as gpd
import shapely
from flask.testing import FlaskClient

import registry
from registry import Change
from registry.users import Users

PASSWORD = "correct-horse-42"
ROLES = {"admin": "admin", "viewer": "viewer", "dm": "data_manager", "eng": "engineer",
         "crew1": "crew", "planner": "planner", "inspector": "inspector"}


def make_city(path: str) -> str:
    """A registry with one grid, 20 drains and one user per role (name → role in ROLES)."""
    reg = registry.create(path, county="130102")
    reg.add("grids", gpd.GeoDataFrame({"source_id": ["130102001"], "name": ["建北街道"]},
                                      geometry=[shapely.box(114.45, 38.0, 114.57, 38.08)],
                                      crs=4490), Change(who="test"))
    reg.add("drains", gpd.GeoDataFrame({"source_id": [f"YS{i}" for i in range(20)]},
                                       geometry=shapely.points([114.5 + i * 1e-4 for i in range(20)],
                                                               [38.04] * 20), crs=4490),
            Change(who="test"))
    users = Users(reg)
    for name, role in ROLES.items():
        users.add(name, PASSWORD, [role], by="test", grids=["130102001"] if role == "crew" else ())
    reg.close()
    return path


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token the login page embeds in its form."""
    page = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client: FlaskClient, name: str, password: str = PASSWORD, **kwargs):
    """Log in through the form; returns the response."""
    return client.post("/auth/login", data={"user": name, "password": password,
                                            "csrf_token": csrf_of(client)}, **kwargs)


def session_csrf(client: FlaskClient) -> str:
    return client.get("/auth/session").get_json()["csrf_token"]
