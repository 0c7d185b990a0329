"""Database roles of a PostGIS deployment, so the application cannot rewrite its own audit
trail and readers cannot read logins.

Three roles (names are the operator's):

- the **app** role the server logs in as: creates the registry (``infracensus init``) and owns
  its tables and the auth store's schema — except the append-only ones;
- the **audit** role (no login): owns ``registry_journal``, ``maintenance_events`` and the
  function behind their append-only triggers. The app keeps only SELECT and INSERT on them,
  so it can neither DELETE, UPDATE nor TRUNCATE an entry, nor drop or disable the triggers
  (that takes the owner);
- the **reader** role (QGIS, publishing, reports): SELECT on the registry's tables, and no
  privilege at all on the auth store's schema.

`grants` writes the SQL a superuser (or the database owner) runs once after ``infracensus
init``; ``infracensus grants`` prints it. A later migration that changes an append-only table
must then be run by the audit role's owner.

>>> print(grants("census_app", "census_audit", "census_reader").splitlines()[2])
ALTER TABLE registry_journal OWNER TO census_audit;
"""
from __future__ import annotations

import re

from registry.auth_store import SCHEMA as AUTH_SCHEMA
from registry.errors import InvalidInput

#: Tables whose rows are never changed once written.
APPEND_ONLY = ("registry_journal", "maintenance_events")
APPEND_ONLY_FUNCTION = "infracensus_append_only()"
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grants(app: str, audit: str, reader: str) -> str:
    """The SQL that gives each role its part (the audit role is created if missing)."""
    for role in (app, audit, reader):
        if not _ROLE.fullmatch(role):
            raise InvalidInput(f"role name {role!r}: use lower-case letters, digits and _")
    tables = ", ".join(APPEND_ONLY)
    lines = [
        "-- Infracensus roles (README, Security model). Run as a superuser after init.",
        f"DO $$ BEGIN CREATE ROLE {audit} NOLOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
        *(f"ALTER TABLE {t} OWNER TO {audit};" for t in APPEND_ONLY),
        f"ALTER FUNCTION {APPEND_ONLY_FUNCTION} OWNER TO {audit};",
        f"REVOKE ALL ON {tables} FROM PUBLIC, {app}, {reader};",
        f"GRANT SELECT, INSERT ON {tables} TO {app};",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app};",
        f"REVOKE ALL ON SCHEMA {AUTH_SCHEMA} FROM PUBLIC, {reader};",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {AUTH_SCHEMA} FROM PUBLIC, {reader};",
        f"GRANT USAGE ON SCHEMA public TO {reader};",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader};",
        # The audit trail names addresses and typed login names: not for publishing.
        f"REVOKE SELECT ON registry_journal FROM {reader};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {app} IN SCHEMA public GRANT SELECT ON TABLES "
        f"TO {reader};",
    ]
    return "\n".join(lines) + "\n"
