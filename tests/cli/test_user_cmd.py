"""`infracensus user` and `infracensus audit` on a real registry."""
from __future__ import annotations

import getpass

import pytest
from click.testing import CliRunner

import registry
from registry.users import Users
from web.cli.audit import audit
from web.cli.user import user


@pytest.fixture()
def city(registry_url: str) -> str:
    registry.create(registry_url, county="130102").close()
    return registry_url


def run(command, *args: str, input: str | None = None):
    return CliRunner().invoke(command, list(args), input=input)


def test_add_list_roles_disable(city: str) -> None:
    added = run(user, "add", "-r", city, "wang", "--role", "engineer", "--department", "市政处",
                input="long-password-1\nlong-password-1\n")
    assert added.exit_code == 0, added.output
    assert "engineer 工程师; department 市政处" in added.output
    run(user, "roles", "-r", city, "wang", "--role", "planner", "--role", "crew")
    run(user, "disable", "-r", city, "wang")
    listed = run(user, "list", "-r", city).output
    assert listed == "wang\tcrew 作业班组, planner 规划; department 市政处; DISABLED 已停用\n"


def test_bad_role_and_short_password_are_one_clear_line(city: str) -> None:
    bad_role = run(user, "add", "-r", city, "li", "--role", "boss", "--password", "x" * 12)
    assert bad_role.exit_code == 2 and "'boss' is not one of" in bad_role.output
    short = run(user, "add", "-r", city, "li", "--role", "viewer", "--password", "short")
    assert short.exit_code == 1
    assert short.output == "Error: a password needs at least 10 characters\n"


def test_token_issue_list_revoke(city: str) -> None:
    run(user, "add", "-r", city, "crew7", "--role", "crew", "--password", "crew-password-7")
    issued = run(user, "token", "-r", city, "crew7", "--label", "班组7 手持终端")
    text = issued.stdout.strip()
    reg = registry.open(city)
    assert Users(reg).from_token(text).name == "crew7"
    token_id = text[3:15]
    assert run(user, "revoke", "-r", city, token_id).exit_code == 0
    assert Users(reg).from_token(text) is None
    listed = run(user, "token", "-r", city, "crew7", "--list").output
    assert listed.startswith(f"{token_id}\t班组7 手持终端\tcreated ") and "revoked 20" in listed
    reg.close()


def test_audit_lists_role_changes_with_before_and_after(city: str) -> None:
    # The author is the OS login running the command (issue 14: --who alone was believed).
    run(user, "add", "-r", city, "zhao", "--role", "viewer", "--password", "zhao-password")
    run(user, "roles", "-r", city, "zhao", "--role", "inspector")
    lines = run(audit, "-r", city, "--action", "user.roles").output.splitlines()
    assert len(lines) == 1
    assert f"  {getpass.getuser()}  -  user.roles  user:zhao  " in lines[0]
    assert '"roles":["viewer"]' in lines[0] and '"roles":["inspector"]' in lines[0]
    assert "password" not in run(audit, "-r", city, "--json").output


def test_who_needs_an_admin_to_vouch(city: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run(user, "add", "-r", city, "boss", "--role", "admin", "--password", "boss-password-1")
    run(user, "add", "-r", city, "clerk", "--role", "viewer", "--password", "clerk-password")
    claimed = run(user, "add", "-r", city, "li", "--role", "viewer", "--password",
                  "li-password-1", "--who", "someone-else")
    assert claimed.exit_code == 1
    assert "--who someone-else is not you" in claimed.output and "--vouch ADMIN" in claimed.output
    wrong = run(user, "add", "-r", city, "li", "--role", "viewer", "--password", "li-password-1",
                "--who", "wang", "--vouch", "boss", input="not-the-password\n")
    assert wrong.exit_code == 1 and "wrong user name or password" in wrong.output
    monkeypatch.setenv("INFRACENSUS_VOUCH_PASSWORD", "clerk-password")
    not_admin = run(user, "add", "-r", city, "li", "--role", "viewer", "--password",
                    "li-password-1", "--who", "wang", "--vouch", "clerk")
    assert "only an administrator can vouch" in not_admin.output
    monkeypatch.setenv("INFRACENSUS_VOUCH_PASSWORD", "boss-password-1")
    vouched = run(user, "add", "-r", city, "li", "--role", "viewer", "--password",
                  "li-password-1", "--who", "wang", "--vouch", "boss")
    assert vouched.exit_code == 0, vouched.output
    lines = run(audit, "-r", city, "--action", "user.add").output
    assert "  wang  -  user.add  user:li  " in lines
    vouch = run(audit, "-r", city, "--action", "cli.vouch", "--json").output
    assert '"who":"boss"' in vouch.replace(" ", "") and getpass.getuser() in vouch
