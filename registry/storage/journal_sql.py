"""The journal read as SQL, for both backends: they differ only in the parameter mark and in
how a top-level field of the JSON entry is read.

>>> sql, params = select("audit", who="王工", match={"action": "login"}, latest=5,
...                      mark="?", entry_field="json_extract(entry, '$.' || ?)")
>>> sql.split(" WHERE ")[1]
"kind = ? AND who = ? AND json_extract(entry, '$.' || ?) = ? ORDER BY at DESC, id DESC LIMIT ?"
>>> params
['audit', '王工', 'action', 'login', 5]
"""
from __future__ import annotations

from typing import Any


def select(kind: str, key: str | None = None, *, who: str | None = None,
           since: str | None = None, match: dict[str, str] | None = None,
           latest: int | None = None, mark: str, entry_field: str) -> tuple[str, list[Any]]:
    """The statement and parameters of `Storage.journal`; with `latest` the rows come newest
    first and the caller turns them round."""
    where: list[str] = [f"kind = {mark}"]
    params: list[Any] = [kind]
    for column, value in (("key", key), ("who", who)):
        if value is not None:
            where.append(f"{column} = {mark}")
            params.append(value)
    if since is not None:
        where.append(f"at >= {mark}")
        params.append(since)
    for name, value in (match or {}).items():
        where.append(f"{entry_field} = {mark}")
        params += [name, value]
    order = " ORDER BY id"
    if latest is not None:
        order = f" ORDER BY at DESC, id DESC LIMIT {mark}"
        params.append(latest)
    return ("SELECT key, at, who, entry FROM registry_journal WHERE " + " AND ".join(where)
            + order), params
