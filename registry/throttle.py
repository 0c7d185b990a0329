"""Login throttling: after a few failed logins, per account name and per client address, the
next attempt must wait, twice as long after each further failure (capped), instead of a
lock-out any stranger could trigger.

An address the account has logged in from before is not held back by the account's own
throttle (only by its address's), so a stranger guessing the admin's password from elsewhere
never locks the admin out. Unknown names are throttled exactly like real ones: the answer
never tells which accounts exist.

>>> import tempfile
>>> from datetime import datetime, timezone
>>> from registry.auth_store import SqliteAuthStore
>>> throttle = Throttle(SqliteAuthStore(tempfile.mkdtemp() + "/a.sqlite"))
>>> now = datetime(2026, 3, 1, tzinfo=timezone.utc)
>>> for _ in range(5):
...     throttle.failed("wang", "10.0.0.9", now)
>>> throttle.wait_s("wang", "10.0.0.9", now), throttle.wait_s("wang", "10.0.0.9", now, trusted=True)
(2, 0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from registry.auth_store import AuthStore
from registry.change import iso, utc_now

THROTTLE = "login_throttle"
#: Failures allowed before any wait: few per account, more per address (an office shares one).
FREE = {"account": 3, "address": 10}
FIRST_WAIT_S, MAX_WAIT_S = 1, 15 * 60
MAX_WAIT = timedelta(seconds=MAX_WAIT_S)
#: A record whose last failure is older than this is forgotten.
FORGET = timedelta(hours=1)


def delay_s(failures: int, free: int) -> int:
    """Seconds to wait after `failures` failures of which `free` cost nothing.

    >>> [delay_s(n, 3) for n in (3, 4, 5, 6, 20)]
    [0, 1, 2, 4, 900]
    """
    if failures <= free:
        return 0
    return min(FIRST_WAIT_S * 2 ** min(failures - free - 1, 30), MAX_WAIT_S)


@dataclass(frozen=True)
class Throttle:
    """The throttle records of one auth store."""

    store: AuthStore

    def wait_s(self, name: str, address: str | None, now: datetime, *,
               trusted: bool = False) -> int:
        """Seconds before the next attempt for this name from this address may be checked."""
        keys = [] if trusted else [_key("account", name)]
        keys += [_key("address", address)] if address else []
        return max([self._remaining(key, now) for key in keys], default=0)

    def _remaining(self, key: str, now: datetime) -> int:
        found = self.store.get(THROTTLE, key)
        if found is None:
            return 0
        left = (datetime.fromisoformat(found.body["retry_at"]) - now).total_seconds()
        return max(0, math.ceil(left))

    def failed(self, name: str, address: str | None, now: datetime) -> None:
        """Count one failed attempt against the name and the address."""
        with self.store.transaction():
            self._count(_key("account", name), FREE["account"], now)
            if address:
                self._count(_key("address", address), FREE["address"], now)
            # Strangers type endless names: records nobody failed on lately go.
            self.store.delete_older(THROTTLE, iso(utc_now() - FORGET - MAX_WAIT))

    def _count(self, key: str, free: int, now: datetime) -> None:
        found = self.store.get(THROTTLE, key)
        fresh = found is None or found.body["last"] < iso(now - FORGET)
        failures = 1 if fresh else found.body["failures"] + 1  # type: ignore[union-attr]
        body = {"failures": failures, "last": iso(now),
                "retry_at": iso(now + timedelta(seconds=delay_s(failures, free)))}
        self.store.save(THROTTLE, key, body)

    def succeeded(self, name: str) -> None:
        """A right password ends the account's throttle (not the address's)."""
        self.store.delete(THROTTLE, _key("account", name))

    def clear(self, name: str) -> None:
        """An administrator lifts the account's throttle (``user enable``)."""
        self.store.delete(THROTTLE, _key("account", name))


def _key(what: str, value: str) -> str:
    # Names typed by strangers: case-folded (Wang and wang are one target) and cut short.
    return f"{what}:{value.casefold()[:100]}"
