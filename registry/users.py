"""Accounts, roles and API tokens, kept in the auth store (`registry.auth_store`), never in
the registry itself: the registry file can be opened, copied and published without leaking
a login.

A role is a set of permissions; what each web endpoint needs is the web layer's policy.
A user may be scoped to a department and to responsibility grids (none: all of them).
Failed logins slow further attempts down (`registry.throttle`) instead of locking the
account; disabling a user or changing their password or roles moves their ``epoch`` and ends
every session they had (`registry.login_sessions`). Every change is written to the audit
trail. API tokens expire (90 days unless issued otherwise) and can be rotated.

>>> import tempfile
>>> from registry import create
>>> users = Users(create(tempfile.mkdtemp() + "/city.gpkg", county="130102"))
>>> _ = users.add("wang", "长城长城长城长城长城长城", ["engineer"], by="admin")
>>> login = users.authenticate("wang", "长城长城长城长城长城长城")
>>> login.user.name, login.user.can("edit"), login.user.can("admin")
('wang', True, False)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from registry import audit, auth_store, credentials, login_sessions
from registry.api import Registry
from registry.auth_store import AuthStore
from registry.change import iso, utc_now
from registry.errors import Conflict, InvalidInput, NotFound
from registry.throttle import Throttle

USER, TOKEN = "user", "api_token"
PERMISSIONS = ("view", "report", "work", "plan", "export", "edit", "cases", "import", "admin")
ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view"}),
    "inspector": frozenset({"view", "report"}),
    "crew": frozenset({"view", "work"}),
    "planner": frozenset({"view", "plan", "export"}),
    "engineer": frozenset({"view", "report", "plan", "export", "edit", "cases"}),
    "data_manager": frozenset({"view", "export", "import"}),
    "admin": frozenset(PERMISSIONS),
}
ROLE_LABELS = {"viewer": "浏览", "inspector": "监督员", "crew": "作业班组", "planner": "规划",
               "engineer": "工程师", "data_manager": "数据管理员", "admin": "系统管理员"}
MIN_PASSWORD = 10
WRONG = "wrong user name or password"
THROTTLED = "too many failed logins: wait before trying again"
NAME = re.compile(r"[\w.\-@]{1,64}")
#: Saving a changed account retries this often when another request saved it meanwhile.
RETRIES = 5
#: How long an API token lives unless issued otherwise.
TOKEN_LIFETIME = timedelta(days=90)
#: Addresses an account logged in from that its own throttle does not hold back.
KNOWN_ADDRESSES = 5


@dataclass(frozen=True)
class User:
    """An account as the rest of the application sees it (never its password hash)."""

    name: str
    roles: tuple[str, ...]
    display_name: str = ""
    department: str | None = None
    grids: tuple[str, ...] = ()
    disabled: bool = False
    epoch: int = 0

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset().union(*(ROLES[r] for r in self.roles))

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def covers(self, grid_code: str | None) -> bool:
        """True if the user's scope includes the grid (a user without grids covers all)."""
        return not self.grids or grid_code in self.grids


@dataclass(frozen=True)
class Login:
    """What a login attempt came to: the user, or why not (safe to show), and when throttled
    how many seconds to wait."""

    user: User | None
    reason: str = ""
    retry_after_s: int = 0


@dataclass
class _Account:
    """The stored record of a user, with the version it was read at."""

    name: str
    body: dict[str, Any]
    version: int = 0

    @property
    def user(self) -> User:
        b = self.body
        return User(self.name, tuple(b["roles"]), b.get("display_name", ""),
                    b.get("department"), tuple(b.get("grids", ())), b.get("disabled", False),
                    b.get("epoch", 0))


def check_roles(roles: Iterable[str]) -> list[str]:
    """The roles, checked against the known ones.

    >>> check_roles(["planner", "crew"])
    ['crew', 'planner']
    """
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise InvalidInput(f"unknown role {unknown[0]!r}" if unknown else "give at least one role"
                           f"; roles are {', '.join(ROLES)}")
    return roles


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")


class Users:
    """The accounts of one registry, kept in its auth store."""

    def __init__(self, reg: Registry, store: AuthStore | None = None) -> None:
        self.reg = reg
        self.store = store or auth_store.for_registry(reg)

    # -- reading ---------------------------------------------------------------------------
    def get(self, name: str) -> User:
        """One user; NotFound if there is none of that name."""
        return self._account(name).user

    def all(self) -> list[User]:
        return [_Account(r.key, r.body, r.version).user for r in self.store.all(USER)]

    def _account(self, name: str) -> _Account:
        found = self.store.get(USER, name)
        if found is None:
            raise NotFound(f"no user {name!r}")
        return _Account(name, found.body, found.version)

    # -- changing --------------------------------------------------------------------------
    def add(self, name: str, password: str, roles: Iterable[str], *, by: str,
            display_name: str = "", department: str | None = None,
            grids: Iterable[str] = ()) -> User:
        """Create an account; Conflict if the name is taken."""
        if not NAME.fullmatch(name):
            raise InvalidInput(f"user name {name!r}: use letters, digits and . - _ @ (≤ 64)")
        check_password(password)
        body = {"roles": check_roles(roles), "display_name": display_name,
                "department": department, "grids": sorted(set(grids)), "disabled": False,
                "epoch": 0, "password": credentials.hash_password(password), "addresses": []}
        with self.reg.transaction(), self.store.transaction():
            try:
                self.store.save(USER, name, body, owner=name, expected_version=0)
            except Conflict:
                raise Conflict(f"user {name!r} already exists") from None
            audit.record(self.reg, "user.add", by, target=f"user:{name}",
                         after=_public(body))
        return self.get(name)

    def set_roles(self, name: str, roles: Iterable[str], *, by: str) -> User:
        checked = check_roles(roles)
        return self._change(name, by, "user.roles", roles=checked, epoch=_next_epoch)

    def set_scope(self, name: str, *, by: str, department: str | None,
                  grids: Iterable[str]) -> User:
        return self._change(name, by, "user.scope", department=department,
                            grids=sorted(set(grids)))

    def set_password(self, name: str, password: str, *, by: str) -> User:
        """A new password: every session of the user ends, a throttle is lifted."""
        check_password(password)
        changed = self._change(name, by, "user.password", password=credentials.hash_password(
            password), epoch=_next_epoch)
        Throttle(self.store).clear(name)
        return changed

    def disable(self, name: str, *, by: str) -> User:
        """Refuse the account's logins, tokens and sessions from now on."""
        return self._change(name, by, "user.disable", disabled=True, epoch=_next_epoch)

    def enable(self, name: str, *, by: str) -> User:
        """Allow the account again, and lift its login throttle."""
        enabled = self._change(name, by, "user.enable", disabled=False)
        Throttle(self.store).clear(name)
        return enabled

    def _change(self, name: str, by: str, action: str, **values: Any) -> User:
        def audited(body: dict[str, Any]) -> dict[str, Any]:
            after = _updated(body, values)
            audit.record(self.reg, action, by, target=f"user:{name}", before=_public(body),
                         after=_public(after))
            return after
        changed = self._save(name, by, audited)
        if "epoch" in values:  # new password, roles or disabled: every session ends now
            login_sessions.end_all(self.store, name)
        return changed.user

    def _save(self, name: str, by: str, change: Callable[[dict[str, Any]], dict[str, Any]]
              ) -> _Account:
        """Read an account, change its body and save it, again if another request saved it
        in between."""
        for attempt in range(RETRIES):
            account = self._account(name)
            try:
                with self.reg.transaction(), self.store.transaction():
                    account.body = change(account.body)
                    account.version = self.store.save(USER, name, account.body, owner=name,
                                                      expected_version=account.version)
                return account
            except Conflict:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- logging in ------------------------------------------------------------------------
    def authenticate(self, name: str, password: str, *, address: str | None = None,
                     now: datetime | None = None) -> Login:
        """Check a password, unless the name or address must wait (`registry.throttle`).
        Unknown names, wrong passwords and throttled names answer alike. Audited."""
        now = now or utc_now()
        throttle = Throttle(self.store)
        account = self._find(name)
        known = account is not None and address in account.body.get("addresses", ())
        wait = throttle.wait_s(name, address, now, trusted=known)
        if wait:
            return self._refused(name, address, Login(None, THROTTLED, wait))
        login = self._check(account, password)
        if login.reason == WRONG:
            throttle.failed(name, address, now)
        if login.user is None:
            return self._refused(name, address, login)
        throttle.succeeded(name)
        self._remember(account, address)  # type: ignore[arg-type]
        audit.record(self.reg, "login", name, target=f"user:{name}", address=address)
        return login

    def _find(self, name: str) -> _Account | None:
        try:
            return self._account(name)
        except NotFound:
            return None

    def _check(self, account: _Account | None, password: str) -> Login:
        if account is None:
            # As slow as a real check, so timing does not tell which names exist.
            credentials.verify_password(password, credentials.dummy_hash())
            return Login(None, WRONG)
        if not credentials.verify_password(password, account.body["password"]):
            return Login(None, WRONG)
        if account.body.get("disabled"):
            return Login(None, "this account is disabled")
        return Login(account.user)

    def _remember(self, account: _Account, address: str | None) -> None:
        """Keep the address the user logged in from, so their own throttle spares it."""
        seen = account.body.get("addresses", [])
        if address is None or address in seen:
            return
        kept = (seen + [address])[-KNOWN_ADDRESSES:]
        self._save(account.name, account.name, lambda body: {**body, "addresses": kept})

    def _refused(self, name: str, address: str | None, login: Login) -> Login:
        audit.record(self.reg, "login.failed", name, target=f"user:{name}", address=address,
                     detail={"reason": login.reason})
        return login

    # -- API tokens ------------------------------------------------------------------------
    def issue_token(self, name: str, label: str, *, by: str,
                    lifetime: timedelta = TOKEN_LIFETIME) -> str:
        """A new API token for the user, valid for `lifetime`; its text is returned once and
        stored only as a digest."""
        self.get(name)
        if lifetime <= timedelta(0):
            raise InvalidInput("a token must be valid for some time: give a positive lifetime")
        token, now = credentials.new_token(), utc_now()
        body = {"user": name, "digest": token.digest, "label": label, "created_at": iso(now),
                "expires_at": iso(now + lifetime), "revoked_at": None}
        with self.reg.transaction(), self.store.transaction():
            self.store.save(TOKEN, token.id, body, owner=name, expected_version=0)
            audit.record(self.reg, "token.issue", by, target=f"user:{name}",
                         detail={"token": token.id, "label": label,
                                 "expires_at": body["expires_at"]})
        return token.text

    def rotate_token(self, token_id: str, *, by: str,
                     lifetime: timedelta = TOKEN_LIFETIME) -> str:
        """A new token with the old one's user and label; the old one is revoked."""
        old = self._token_record(token_id)
        with self.reg.transaction(), self.store.transaction():
            text = self.issue_token(old["user"], old["label"], by=by, lifetime=lifetime)
            self.revoke(token_id, by=by)
        return text

    def tokens(self, name: str | None = None) -> list[dict[str, Any]]:
        """Token records (id, user, label, created_at, expires_at, revoked_at), never their
        digests."""
        return [{"id": r.key, **{k: v for k, v in r.body.items() if k != "digest"}}
                for r in self.store.all(TOKEN, owner=name)]

    def revoke(self, token_id: str, *, by: str) -> None:
        """Refuse a token from now on; NotFound if there is none of that id."""
        with self.reg.transaction(), self.store.transaction():
            found = self._token_record(token_id)
            body = {**found, "revoked_at": found["revoked_at"] or iso(utc_now())}
            self.store.save(TOKEN, token_id, body, owner=body["user"])
            audit.record(self.reg, "token.revoke", by, target=f"user:{body['user']}",
                         detail={"token": token_id})

    def _token_record(self, token_id: str) -> dict[str, Any]:
        found = self.store.get(TOKEN, token_id)
        if found is None:
            raise NotFound(f"no API token {token_id!r}")
        return found.body

    def from_token(self, text: str, now: datetime | None = None) -> User | None:
        """The active user a token belongs to; None if it is unknown, revoked, expired or its
        user disabled."""
        parsed = credentials.parse_token(text)
        if parsed is None:
            return None
        found = self.store.get(TOKEN, parsed[0])
        if found is None or not credentials.token_matches(parsed[1], found.body["digest"]):
            return None
        body = found.body
        if body["revoked_at"] or body.get("expires_at", "") <= iso(now or utc_now()):
            return None
        user = self._find(body["user"])
        return None if user is None or user.user.disabled else user.user


def _next_epoch(body: dict[str, Any]) -> int:
    return int(body.get("epoch", 0)) + 1


def _updated(body: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The body with `values` set; a callable value computes the new value from the body."""
    return {**body, **{k: v(body) if callable(v) else v for k, v in values.items()}}


def _public(body: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail may show of an account: never the password hash."""
    return {k: body.get(k) for k in ("roles", "display_name", "department", "grids", "disabled")}
