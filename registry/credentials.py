"""Secrets at rest: scrypt password hashes and API tokens that are stored only as digests.

A password hash names its own parameters, so they can grow later without breaking old
hashes. A token is ``ic_<id>_<secret>``: the id finds the stored record, the secret is
compared by its SHA-256 digest (a 256-bit random secret needs no slow hash).

>>> stored = hash_password("正确的马电池钉")
>>> verify_password("正确的马电池钉", stored), verify_password("guess", stored)
(True, False)
>>> token = new_token()
>>> parse_token(token.text) == (token.id, token.text[16:])
True
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

#: scrypt cost: 16 MiB and ~50 ms per hash, OWASP's minimum for interactive logins.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
TOKEN_PREFIX = "ic_"
TOKEN_ID_CHARS = 12


def hash_password(password: str) -> str:
    """``scrypt:N:r:p$salt$key`` in hex."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True if `password` hashes to `stored`; False for a malformed hash too."""
    try:
        params, salt, key = stored.split("$")
        _, n, r, p = params.split(":")
        found = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(found, bytes.fromhex(key))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=256 * n * r + (1 << 20))


@functools.cache
def dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown name as slow as for a known one,
    so response time does not tell which accounts exist. Made on first use: a hash costs
    ~50 ms, which every command's start-up would otherwise pay."""
    return hash_password("no such user")


@dataclass(frozen=True)
class NewToken:
    """A freshly issued token: ``text`` is shown once, only ``digest`` is stored."""

    id: str
    text: str
    digest: str


def new_token() -> NewToken:
    token_id = secrets.token_hex(TOKEN_ID_CHARS // 2)
    secret = secrets.token_urlsafe(32)
    return NewToken(token_id, f"{TOKEN_PREFIX}{token_id}_{secret}", token_digest(secret))


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(text: str) -> tuple[str, str] | None:
    """(id, secret) of a token's text, None if it is not shaped like one."""
    head = len(TOKEN_PREFIX) + TOKEN_ID_CHARS
    if not text.startswith(TOKEN_PREFIX) or len(text) < head + 2 or text[head] != "_":
        return None
    return text[len(TOKEN_PREFIX):head], text[head + 1:]


def token_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(secret), digest)
