"""Failed logins slow the next attempts down, per account and per address, instead of a lock
any stranger could trigger: 429 with Retry-After, the same answer for a name that exists and
one that does not, and the admin is never locked out from an address they logged in from."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import registry
from auth_helpers import PASSWORD, csrf_of, log_in
from registry import audit
from registry.throttle import FREE
from registry.users import THROTTLED, WRONG, Users

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def fail(users: Users, name: str, address: str, times: int, now: datetime = T0) -> None:
    for _ in range(times):
        assert users.authenticate(name, "wrong-guess!", address=address, now=now).reason == WRONG


def test_after_the_free_failures_the_account_must_wait_twice_as_long(city_path: str) -> None:
    users = Users(registry.open(city_path))
    fail(users, "planner", "10.1.0.1", FREE["account"] + 1)
    right_but_early = users.authenticate("planner", PASSWORD, address="10.1.0.2", now=T0)
    assert right_but_early.user is None and right_but_early.reason == THROTTLED
    assert right_but_early.retry_after_s == 1
    later = T0 + timedelta(seconds=1)
    fail(users, "planner", "10.1.0.3", 1, now=later)
    assert users.authenticate("planner", PASSWORD, address="10.1.0.2",
                              now=later).retry_after_s == 2
    done = users.authenticate("planner", PASSWORD, address="10.1.0.2", now=later +
                              timedelta(seconds=2))
    assert done.user is not None and done.user.name == "planner"
    users.reg.close()


def test_unknown_and_real_names_answer_alike(city_path: str) -> None:
    users = Users(registry.open(city_path))
    for name in ("dm", "nobody-here"):
        fail(users, name, f"10.2.0.{len(name)}", FREE["account"] + 1)
    real = users.authenticate("dm", PASSWORD, address="10.2.0.9", now=T0)
    unknown = users.authenticate("nobody-here", PASSWORD, address="10.2.0.9", now=T0)
    assert (real.user, real.reason, real.retry_after_s) == \
        (unknown.user, unknown.reason, unknown.retry_after_s) == (None, THROTTLED, 1)
    users.reg.close()


def test_a_stranger_cannot_lock_the_admin_out(client, city_path: str) -> None:
    assert log_in(client, "admin", environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code == 302
    stranger = client.application.test_client()
    for _ in range(FREE["account"] + 3):
        log_in(stranger, "admin", "guessing", environ_base={"REMOTE_ADDR": "10.3.9.9"})
    from_elsewhere = log_in(stranger, "admin", environ_base={"REMOTE_ADDR": "10.3.9.8"})
    assert from_elsewhere.status_code == 429  # the account is throttled for new addresses
    admin = client.application.test_client()
    again = log_in(admin, "admin", environ_base={"REMOTE_ADDR": "10.3.0.1"})
    assert again.status_code == 302  # ... but not from where the admin logged in before


def test_the_web_answers_429_with_retry_after_and_audits_it(client, city_path: str) -> None:
    for i in range(FREE["address"] + 1):  # one guess at many names: password spraying
        log_in(client, f"name{i}", "guess", environ_base={"REMOTE_ADDR": "10.4.0.1"})
    page = log_in(client, "inspector", environ_base={"REMOTE_ADDR": "10.4.0.1"})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert "登录失败次数过多" in page.get_data(as_text=True)
    as_json = client.post("/auth/login", json={"user": "inspector", "password": PASSWORD},
                          headers={"X-CSRF-Token": csrf_of(client)},
                          environ_base={"REMOTE_ADDR": "10.4.0.1"})
    assert as_json.status_code == 429 and as_json.mimetype == "application/problem+json"
    assert as_json.headers["Retry-After"] and "wait" in as_json.get_json()["detail"]
    reg = registry.open(city_path)
    refused = audit.trail(reg, who="inspector", action="login.failed")
    assert refused[0]["detail"]["reason"] == THROTTLED and refused[0]["address"] == "10.4.0.1"
    reg.close()
    # Another address is not held back by this one's failures.
    elsewhere = log_in(client, "inspector", environ_base={"REMOTE_ADDR": "10.4.0.2"})
    assert elsewhere.status_code == 302


def test_wrong_password_and_unknown_name_look_the_same(client) -> None:
    wrong = log_in(client, "eng", "not-it-at-all", environ_base={"REMOTE_ADDR": "10.5.0.1"})
    unknown = log_in(client, "no-such-user", "not-it-at-all",
                     environ_base={"REMOTE_ADDR": "10.5.0.2"})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda page: page.get_data(as_text=True).replace("no-such-user", "eng")  # noqa: E731
    assert "用户名或密码错误" in strip(wrong)
    assert strip(wrong).split('name="csrf_token"')[0] == strip(unknown).split(
        'name="csrf_token"')[0]


def test_throttle_records_of_long_ago_are_removed(city_path: str) -> None:
    from registry.throttle import THROTTLE
    users = Users(registry.open(city_path))
    users.store.save(THROTTLE, "account:typed-once-long-ago", {"failures": 1, "last": "2020",
                                                                "retry_at": "2020"})
    users.store._run("UPDATE auth_records SET updated_at = '2020-01-01T00:00:00Z' WHERE key = ?"
                     .replace("auth_records", users.store.table),
                     ("account:typed-once-long-ago",))
    fail(users, "someone-new", "10.7.0.1", 1)
    assert users.store.get(THROTTLE, "account:typed-once-long-ago") is None
    assert users.store.get(THROTTLE, "account:someone-new") is not None
    users.reg.close()
