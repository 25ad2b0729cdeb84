"""Accounts, tokens, API keys, the guard's 401/403, login throttling, the user CLI."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.auth import throttle
from registry.auth.passwords import verify_password
from registry.auth.tokens import InvalidToken, issue_token, verify_token
from registry.cli import cli
from registry.models import ApiKey, AuditLog, LoginAttempt, User
from registry.settings import Settings

from .lobbying_support import PASSWORD, Client, account


async def test_sign_up_then_token_then_me(client: Client, session: AsyncSession) -> None:
    r = await client.post("/api/v1/accounts", json={"email": " Ana@Example.org ",
                                                     "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "registrant" and r.json()["email"] == "ana@example.org"
    user = (await session.scalars(select(User))).one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash

    r = await client.post("/api/v1/auth/token", json={"email": "ANA@example.org",
                                                       "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert r.json()["token_type"] == "bearer" and r.json()["expires_in"] > 0
    me = await client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == "ana@example.org"

    audit = (await session.scalars(select(AuditLog).where(AuditLog.action == "user.create"))).one()
    assert "password" not in json.dumps(audit.details)


async def test_sign_up_errors_name_the_field(client: Client) -> None:
    r = await client.post("/api/v1/accounts", json={"email": "not-an-email", "password": PASSWORD})
    assert r.status_code == 422 and r.json()["field"] == "email"
    r = await client.post("/api/v1/accounts", json={"email": "a@b.org", "password": "short"})
    assert r.status_code == 422 and r.json()["field"] == "password"
    assert r.headers["content-type"].startswith("application/problem+json")
    ok = await client.post("/api/v1/accounts", json={"email": "a@b.org", "password": PASSWORD})
    assert ok.status_code == 201
    again = await client.post("/api/v1/accounts", json={"email": "A@B.org", "password": PASSWORD})
    assert again.status_code == 409 and again.json()["field"] == "email"


async def test_wrong_credentials_and_bad_tokens_are_401(client: Client, session: AsyncSession,
                                                        settings: Settings) -> None:
    await account(session, settings, "x@example.org")
    r = await client.post("/api/v1/auth/token", json={"email": "x@example.org",
                                                       "password": "wrong password!"})
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    r = await client.post("/api/v1/auth/token", json={"email": "nobody@example.org",
                                                       "password": PASSWORD})
    assert r.status_code == 401
    assert (await client.get("/api/v1/accounts/me")).status_code == 401
    for bad in ("Bearer nonsense", "Basic abc", "Bearer rt1.e30.AAAA",
                "Bearer " + issue_token("another-secret", 1, 3600)):
        r = await client.get("/api/v1/accounts/me", headers={"Authorization": bad})
        assert r.status_code == 401, bad
        assert r.headers["content-type"].startswith("application/problem+json")
    # bad credentials are reported on public endpoints too, so a client learns its token is stale
    r = await client.get("/api/v1/registrants", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


def test_tokens_expire_and_are_tamper_proof() -> None:
    token = issue_token("k", 7, 60, now=1000)
    assert verify_token("k", token, now=1030).user_id == 7
    with pytest.raises(InvalidToken, match="expired"):
        verify_token("k", token, now=1061)
    with pytest.raises(InvalidToken, match="signature"):
        verify_token("other", token, now=1030)
    forged = token.replace(token.split(".")[1], "eyJzdWIiOjEsImlhdCI6MCwiZXhwIjo5OTk5OX0")
    with pytest.raises(InvalidToken, match="signature"):
        verify_token("k", forged, now=1030)


async def test_deactivated_account_loses_access(client: Client, session: AsyncSession,
                                                settings: Settings) -> None:
    headers = await account(session, settings, "gone@example.org")
    assert (await client.get("/api/v1/accounts/me", headers=headers)).status_code == 200
    user = (await session.scalars(select(User))).one()
    user.is_active = False
    await session.commit()
    assert (await client.get("/api/v1/accounts/me", headers=headers)).status_code == 401


async def test_api_keys_shown_once_hashed_scoped_revocable(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    headers = await account(session, settings, "k@example.org")
    r = await client.post("/api/v1/accounts/me/api-keys", headers=headers,
                          json={"name": "ci", "scopes": ["read"]})
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    stored = (await session.scalars(select(ApiKey))).one()
    assert key.startswith("rk_") and key.split("_", 2)[2] not in stored.key_hash
    listed = (await client.get("/api/v1/accounts/me/api-keys", headers=headers)).json()
    assert "key" not in listed[0] and listed[0]["prefix"] == stored.prefix

    by_key = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/accounts/me", headers=by_key)).status_code == 200
    # a read key cannot write, nor mint more keys
    r = await client.post("/api/v1/registrants", headers=by_key, json={"name": "X",
                                                                        "category": "ngo"})
    assert r.status_code == 403
    r = await client.post("/api/v1/accounts/me/api-keys", headers=by_key, json={"name": "more"})
    assert r.status_code == 403
    bad_scope = await client.post("/api/v1/accounts/me/api-keys", headers=headers,
                                  json={"scopes": ["read", "root"]})
    assert bad_scope.status_code == 422 and bad_scope.json()["field"] == "scopes[1]"

    writer = (await client.post("/api/v1/accounts/me/api-keys", headers=headers,
                                json={"name": "w", "scopes": ["write"]})).json()
    r = await client.post("/api/v1/registrants", json={"name": "X", "category": "ngo"},
                          headers={"Authorization": f"Bearer {writer['key']}"})
    assert r.status_code == 201

    r = await client.delete(f"/api/v1/accounts/me/api-keys/{listed[0]['id']}", headers=headers)
    assert r.status_code == 204
    assert (await client.get("/api/v1/accounts/me", headers=by_key)).status_code == 401
    wrong_secret = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    r = await client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {wrong_secret}"})
    assert r.status_code == 401
    # nobody revokes another's key
    other = await account(session, settings, "other@example.org")
    r = await client.delete(f"/api/v1/accounts/me/api-keys/{writer['id']}", headers=other)
    assert r.status_code == 404
    actions = (await session.scalars(select(AuditLog.action))).all()
    assert {"api_key.create", "api_key.revoke"} <= set(actions)
    assert key not in json.dumps([a.details for a in (await session.scalars(
        select(AuditLog))).all()])


async def test_failed_logins_are_throttled_per_email(client: Client, session: AsyncSession,
                                                     settings: Settings) -> None:
    await account(session, settings, "t@example.org")
    for _ in range(throttle.MAX_PER_EMAIL):
        r = await client.post("/api/v1/auth/token", json={"email": "t@example.org",
                                                           "password": "wrong password"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/token", json={"email": "t@example.org",
                                                       "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(r.headers["Retry-After"]) <= throttle.WINDOW.total_seconds()
    assert await session.scalar(select(func.count()).select_from(LoginAttempt)) == \
        throttle.MAX_PER_EMAIL
    # another e-mail from the same address is not yet throttled
    await account(session, settings, "u@example.org")
    r = await client.post("/api/v1/auth/token", json={"email": "u@example.org",
                                                       "password": PASSWORD})
    assert r.status_code == 200


async def test_the_guesser_is_throttled_not_the_victim(session: AsyncSession) -> None:
    """Wrong guesses from one address never lock the account for anyone else."""
    for _ in range(throttle.MAX_PER_EMAIL * 3):
        await throttle.record_failure(session, "registrar@example.org", "10.0.0.66")
    await session.commit()
    assert await throttle.retry_after(session, "registrar@example.org", "10.0.0.66")
    assert await throttle.retry_after(session, "registrar@example.org", "10.0.0.7") is None


async def test_sign_ups_are_throttled_per_address(client: Client,
                                                  session: AsyncSession) -> None:
    for n in range(throttle.MAX_SIGN_UPS_PER_ADDRESS):
        r = await client.post("/api/v1/accounts", json={"email": f"s{n}@example.org",
                                                         "password": "short"})
        assert r.status_code == 422  # refused, and still counted: no hash was spent
    r = await client.post("/api/v1/accounts", json={"email": "late@example.org",
                                                     "password": "correct horse battery"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_concurrent_duplicate_sign_ups_give_one_account(
        client: Client, session: AsyncSession) -> None:
    body = {"email": "twice@example.org", "password": "correct horse battery"}
    first, second = await asyncio.gather(client.post("/api/v1/accounts", json=body),
                                         client.post("/api/v1/accounts", json=body))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_failed_logins_are_throttled_per_address(session: AsyncSession) -> None:
    for i in range(throttle.MAX_PER_ADDRESS):
        await throttle.record_failure(session, f"user{i}@example.org", "10.0.0.9")
    await session.commit()
    assert await throttle.retry_after(session, "fresh@example.org", "10.0.0.9") is not None
    assert await throttle.retry_after(session, "fresh@example.org", "10.0.0.10") is None


async def test_admin_reads_the_audit_log(client: Client, session: AsyncSession,
                                         settings: Settings) -> None:
    admin = await account(session, settings, "admin@example.org", "admin")
    registrar = await account(session, settings, "registrar@example.org", "registrar")
    for email in ("one@example.org", "two@example.org"):
        r = await client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD})
        assert r.status_code == 201
    assert (await client.get("/api/v1/audit", headers=registrar)).status_code == 403
    r = await client.get("/api/v1/audit", headers=admin, params={"action": "user.create"})
    assert r.status_code == 200
    assert [i["details"]["email"] for i in r.json()["items"]] == ["two@example.org",
                                                                  "one@example.org"]


def test_user_create_cli_prints_a_generated_password(database_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    mp = monkeypatch
    mp.setenv("REGISTRY_DATABASE_URL", database_url)
    mp.setenv("REGISTRY_SECRET_KEY", "cli-test")
    runner = CliRunner()
    result = runner.invoke(cli, ["user", "create", "--email", "Reg@Example.org",
                                 "--role", "registrar"])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().rsplit(" ", 1)[-1]
    assert len(password) >= 16
    again = runner.invoke(cli, ["user", "create", "--email", "reg@example.org",
                                "--role", "registrar", "--password", "x" * 12])
    assert again.exit_code != 0 and "already exists" in again.output

    from sqlalchemy.ext.asyncio import create_async_engine


    async def stored_hash() -> str:
        engine = create_async_engine(database_url.replace("postgresql://",
                                                          "postgresql+asyncpg://"))
        async with engine.connect() as conn:
            value = (await conn.execute(select(User.password_hash))).scalar_one()
        await engine.dispose()
        return str(value)

    assert verify_password(asyncio.run(stored_hash()), password)


async def test_password_change_signs_out_everywhere_else(
        client: Client, session: AsyncSession, settings: Settings) -> None:
    await account(session, settings, "pat@example.org")
    user = (await session.scalars(select(User).where(User.email == "pat@example.org"))).one()

    def signed_in(seconds_ago: int) -> dict[str, str]:
        token = issue_token(settings.effective_secret_key(), user.id, 3600,
                            now=time.time() - seconds_ago)
        return {"Authorization": f"Bearer {token}"}

    headers, elsewhere = signed_in(30), signed_in(600)  # this device, and another one
    assert (await client.get("/api/v1/accounts/me", headers=elsewhere)).status_code == 200
    url = "/api/v1/accounts/me/password"
    new = "a brand new passphrase 42"

    wrong = await client.post(url, json={"current_password": "not it", "new_password": new},
                              headers=headers)
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    weak = await client.post(url, json={"current_password": PASSWORD, "new_password": "short"},
                             headers=headers)
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    assert (await client.post("/api/v1/auth/token", json={
        "email": "pat@example.org", "password": new})).status_code == 401

    r = await client.post(url, json={"current_password": PASSWORD, "new_password": new},
                          headers=headers)
    assert r.status_code == 200, r.text
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await client.get("/api/v1/accounts/me", headers=fresh)).status_code == 200
    for old in (headers, elsewhere):
        refused = await client.get("/api/v1/accounts/me", headers=old)
        assert refused.status_code == 401 and "password was changed" in refused.text
    assert (await client.post("/api/v1/auth/token", json={
        "email": "pat@example.org", "password": PASSWORD})).status_code == 401
    assert (await client.post("/api/v1/auth/token", json={
        "email": "pat@example.org", "password": new})).status_code == 200
    await session.refresh(user)
    assert verify_password(user.password_hash, new)
    [logged] = (await session.scalars(select(AuditLog).where(
        AuditLog.action == "user.password_change"))).all()
    assert logged.object_id == str(user.id)
    assert new not in json.dumps(logged.details) and PASSWORD not in json.dumps(logged.details)


async def test_an_api_key_cannot_change_the_password(client: Client, session: AsyncSession,
                                                     settings: Settings) -> None:
    headers = await account(session, settings, "kim@example.org")
    r = await client.post("/api/v1/accounts/me/api-keys",
                          json={"name": "ci", "scopes": ["read", "write"]}, headers=headers)
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    r = await client.post("/api/v1/accounts/me/password",
                          json={"current_password": PASSWORD, "new_password": "x" * 20},
                          headers=key)
    assert r.status_code == 403


async def test_user_reset_password_cli_ends_sign_ins_and_keys(
        client: Client, session: AsyncSession, settings: Settings,
        monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    headers = await account(session, settings, "lost@example.org")
    user = (await session.scalars(select(User).where(User.email == "lost@example.org"))).one()
    earlier = issue_token(settings.effective_secret_key(), user.id, 3600, now=time.time() - 30)
    signed_in = {"Authorization": f"Bearer {earlier}"}
    r = await client.post("/api/v1/accounts/me/api-keys",
                          json={"name": "ci", "scopes": ["read"]}, headers=headers)
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    for h in (signed_in, key):
        assert (await client.get("/api/v1/accounts/me", headers=h)).status_code == 200

    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    runner = CliRunner()
    missing = await asyncio.to_thread(runner.invoke, cli, [
        "user", "reset-password", "--email", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account" in missing.output
    weak = await asyncio.to_thread(runner.invoke, cli, [
        "user", "reset-password", "--email", "lost@example.org", "--password", "short"])
    assert weak.exit_code != 0
    assert (await client.get("/api/v1/accounts/me", headers=signed_in)).status_code == 200

    reset = await asyncio.to_thread(runner.invoke, cli, [
        "user", "reset-password", "--email", "Lost@Example.org"])
    assert reset.exit_code == 0, reset.output
    password = reset.stdout.strip().rsplit(" ", 1)[-1]
    for h in (signed_in, key):
        assert (await client.get("/api/v1/accounts/me", headers=h)).status_code == 401
    r = await client.post("/api/v1/auth/token",
                          json={"email": "lost@example.org", "password": password})
    assert r.status_code == 200


async def test_wrong_current_passwords_are_throttled(client: Client, session: AsyncSession,
                                                     settings: Settings) -> None:
    headers = await account(session, settings, "guess@example.org")
    body = {"current_password": "guess", "new_password": "a brand new passphrase 42"}
    codes = [(await client.post("/api/v1/accounts/me/password", json=body,
                                headers=headers)).status_code
             for _ in range(throttle.MAX_PER_EMAIL + 1)]
    assert codes == [422] * throttle.MAX_PER_EMAIL + [429]
