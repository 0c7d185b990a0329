"""Version stamps of work packages: an HMAC of (package, asset, version) keyed by a secret
kept in the registry's auth store (never in the registry itself), so a returned file cannot claim another version or move a
task to another package without the registry noticing.

>>> key = b"k" * 32
>>> s = sign(key, "PLAN-1-K1", "a1", 3)
>>> verify(key, "PLAN-1-K1", "a1", 3, s), verify(key, "PLAN-1-K1", "a1", 4, s)
(True, False)
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from registry import auth_store
from registry.change import Change
from registry.errors import Conflict

if TYPE_CHECKING:
    from registry.api import Registry

SECRET_KIND, SECRET_KEY = "secret", "work_package_stamps"


def sign(key: bytes, package_id: str, uuid: str, version: int) -> str:
    """The stamp of one asset version exported in one package."""
    message = f"{package_id}\n{uuid}\n{int(version)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def verify(key: bytes, package_id: str, uuid: str, version: int, stamp: str) -> bool:
    """Whether `stamp` was issued for this package, asset and version."""
    return hmac.compare_digest(sign(key, package_id, uuid, version), str(stamp))


def existing_key(reg: "Registry") -> bytes | None:
    """The registry's stamp secret, or None while no package was ever exported."""
    found = auth_store.for_registry(reg).get(SECRET_KIND, SECRET_KEY)
    return None if found is None else bytes.fromhex(found.body["key"])


def stamp_key(reg: "Registry", change: Change) -> bytes:
    """The registry's stamp secret, made on first use (`change` is the export's)."""
    key = existing_key(reg)
    if key is not None:
        return key
    try:
        auth_store.for_registry(reg).save(SECRET_KIND, SECRET_KEY, {
            "key": secrets.token_hex(32), "made_by": change.who}, expected_version=0)
    except Conflict:
        pass  # another export made it first: use theirs
    return existing_key(reg)  # type: ignore[return-value]
