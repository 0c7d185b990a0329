"""Accounts, roles and API tokens, stored as registry documents (kinds ``user``, ``api_token``).

A role is a set of permissions; what each web endpoint needs is the web layer's policy.
A user may be scoped to a department and to responsibility grids (none: all of them).
Repeated failed logins lock an account for a while; disabling a user or changing their
password or roles moves their ``epoch``, which ends every session they had. Every change is
written to the audit trail in the same transaction.

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

from registry import audit, credentials
from registry.api import Registry
from registry.change import Change, iso, utc_now
from registry.errors import Conflict, InvalidInput, NotFound

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
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 10
WRONG = "wrong user name or password"
NAME = re.compile(r"[\w.\-@]{1,64}")
#: Saving a changed account retries this often when another request saved it meanwhile.
RETRIES = 5


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
    """What a login attempt came to: the user, or why not (safe to show)."""

    user: User | None
    reason: str = ""
    locked_until: str | None = None


@dataclass
class _Account:
    """The stored document of a user, with the version it was read at."""

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
    """The accounts of one registry."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg

    # -- reading ---------------------------------------------------------------------------
    def get(self, name: str) -> User:
        """One user; NotFound if there is none of that name."""
        return self._account(name).user

    def all(self) -> list[User]:
        return [_Account(d["key"], d["body"], d["version"]).user
                for d in self.reg.documents(USER)]

    def _account(self, name: str) -> _Account:
        try:
            doc = self.reg.document(USER, name)
        except NotFound:
            raise NotFound(f"no user {name!r}") from None
        return _Account(name, doc["body"], doc["version"])

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
                "epoch": 0, "password": credentials.hash_password(password), "failures": []}
        with self.reg.transaction():
            try:
                self.reg.save_document(USER, name, body, Change(who=by), expected_version=0)
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
        check_password(password)
        return self._change(name, by, "user.password", password=credentials.hash_password(
            password), epoch=_next_epoch, failures=[], locked_until=None)

    def disable(self, name: str, *, by: str) -> User:
        """Refuse the account's logins, tokens and sessions from now on."""
        return self._change(name, by, "user.disable", disabled=True, epoch=_next_epoch)

    def enable(self, name: str, *, by: str) -> User:
        return self._change(name, by, "user.enable", disabled=False, failures=[],
                            locked_until=None)

    def _change(self, name: str, by: str, action: str, **values: Any) -> User:
        def audited(body: dict[str, Any]) -> dict[str, Any]:
            after = _updated(body, values)
            audit.record(self.reg, action, by, target=f"user:{name}", before=_public(body),
                         after=_public(after))
            return after
        return self._save(name, by, audited).user

    def _save(self, name: str, by: str, change: Callable[[dict[str, Any]], dict[str, Any]]
              ) -> _Account:
        """Read an account, change its body and save it, again if another request saved it
        in between (so two failed logins at once both count)."""
        for attempt in range(RETRIES):
            account = self._account(name)
            try:
                with self.reg.transaction():
                    account.body = change(account.body)
                    account.version = self.reg.save_document(
                        USER, name, account.body, Change(who=by), expected_version=account.version)
                return account
            except Conflict:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- logging in ------------------------------------------------------------------------
    def authenticate(self, name: str, password: str, *, address: str | None = None,
                     now: datetime | None = None) -> Login:
        """Check a password; failures count towards a lock-out. Audited either way."""
        now = now or utc_now()
        try:
            account = self._account(name)
        except NotFound:
            credentials.verify_password(password, credentials.dummy_hash())
            return self._refused(name, address, WRONG)
        login = self._check(account, password, now)
        if login.user is not None and account.body.get("failures"):
            self._save(name, name, lambda body: {**body, "failures": []})
        elif login.reason == WRONG:
            body = self._save(name, name, lambda body: _failure(body, now)).body
            if body.get("locked_until"):
                login = Login(None, _locked_reason(body["locked_until"]), body["locked_until"])
        if login.user is None:
            return self._refused(name, address, login.reason, login)
        audit.record(self.reg, "login", name, target=f"user:{name}", address=address)
        return login

    def _check(self, account: _Account, password: str, now: datetime) -> Login:
        body = account.body
        if body.get("locked_until") and body["locked_until"] > iso(now):
            return Login(None, _locked_reason(body["locked_until"]), body["locked_until"])
        if not credentials.verify_password(password, body["password"]):
            return Login(None, WRONG)
        if body.get("disabled"):
            return Login(None, "this account is disabled")
        return Login(account.user)

    def _refused(self, name: str, address: str | None, reason: str,
                 login: Login | None = None) -> Login:
        audit.record(self.reg, "login.failed", name, target=f"user:{name}", address=address,
                     detail={"reason": reason})
        return login or Login(None, reason)

    # -- API tokens ------------------------------------------------------------------------
    def issue_token(self, name: str, label: str, *, by: str) -> str:
        """A new API token for the user; its text is returned once and stored only hashed."""
        self.get(name)
        token = credentials.new_token()
        body = {"user": name, "digest": token.digest, "label": label,
                "created_at": iso(utc_now()), "revoked_at": None}
        with self.reg.transaction():
            self.reg.save_document(TOKEN, token.id, body, Change(who=by), expected_version=0)
            audit.record(self.reg, "token.issue", by, target=f"user:{name}",
                         detail={"token": token.id, "label": label})
        return token.text

    def tokens(self, name: str | None = None) -> list[dict[str, Any]]:
        """Token records (id, user, label, created_at, revoked_at), never their digests."""
        return [{"id": d["key"], **{k: v for k, v in d["body"].items() if k != "digest"}}
                for d in self.reg.documents(TOKEN) if name in (None, d["body"]["user"])]

    def revoke(self, token_id: str, *, by: str) -> None:
        """Refuse a token from now on; NotFound if there is none of that id."""
        doc = self.reg.document(TOKEN, token_id)
        body = {**doc["body"], "revoked_at": doc["body"]["revoked_at"] or iso(utc_now())}
        with self.reg.transaction():
            self.reg.save_document(TOKEN, token_id, body, Change(who=by), doc["version"])
            audit.record(self.reg, "token.revoke", by, target=f"user:{body['user']}",
                         detail={"token": token_id})

    def from_token(self, text: str) -> User | None:
        """The active user a token belongs to; None if it is unknown, revoked or disabled."""
        parsed = credentials.parse_token(text)
        if parsed is None:
            return None
        found = self._token(parsed[0])
        if found is None or found["revoked_at"] or not credentials.token_matches(
                parsed[1], found["digest"]):
            return None
        user = self.get(found["user"])
        return None if user.disabled else user

    def _token(self, token_id: str) -> dict[str, Any] | None:
        try:
            return self.reg.document(TOKEN, token_id)["body"]
        except NotFound:
            return None


def _next_epoch(body: dict[str, Any]) -> int:
    return int(body.get("epoch", 0)) + 1


def _updated(body: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The body with `values` set; a callable value computes the new value from the body."""
    return {**body, **{k: v(body) if callable(v) else v for k, v in values.items()}}


def _failure(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The body after one more failed login: locked at the MAX_FAILURES-th failure within
    LOCK_FOR."""
    recent = [t for t in body.get("failures", []) if t > iso(now - LOCK_FOR)] + [iso(now)]
    if len(recent) >= MAX_FAILURES:
        return {**body, "failures": [], "locked_until": iso(now + LOCK_FOR)}
    return {**body, "failures": recent}


def _locked_reason(until: str) -> str:
    return f"too many failed logins: this account is locked until {until[:16].replace('T', ' ')} UTC"


def _public(body: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail may show of an account: never the password hash."""
    return {k: body.get(k) for k in ("roles", "display_name", "department", "grids", "disabled")}
