"""Accounts: creating users, checking passwords with throttling, API keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import Principal
from registry.api.problems import Problem
from registry.audit import audit
from registry.auth import apikeys, throttle
from registry.auth.passwords import (
    hash_password_async,
    needs_rehash,
    password_problem,
    verify_password_async,
)
from registry.models import ApiKey, Registrant, RegistrantMember, User
from registry.models.accounts import ROLES

MAX_EMAIL_LENGTH = 320


def is_email(value: str) -> bool:
    """``local@domain.tld``: one ``@``, no spaces, a domain of dotted non-empty labels. Checked by
    length first and without a regular expression: the pattern this replaces backtracked
    quadratically on a long run of dots."""
    if not 3 <= len(value) <= MAX_EMAIL_LENGTH or any(c.isspace() for c in value):
        return False
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain:
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(labels)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def find_user(session: AsyncSession, email: str) -> User | None:
    return (await session.scalars(
        select(User).where(func.lower(User.email) == normalise_email(email)))).first()


async def create_user(session: AsyncSession, email: str, password: str, role: str,
                      *, actor: Principal | str | None, ip: str | None = None) -> User:
    email = normalise_email(email)
    if ip is not None:  # through the API: each sign-up costs a slow hash
        wait = await throttle.sign_up_retry_after(session, ip)
        if wait is not None:
            raise Problem(429, "Too many sign-ups from this address; try again later.",
                          type_="throttled", headers={"Retry-After": str(wait)},
                          retry_after=wait)
        await throttle.record_failure(session, email[:MAX_EMAIL_LENGTH], ip, throttle.SIGN_UP)
        await session.commit()  # counted even when this attempt fails
    if not is_email(email):
        raise Problem(422, "This is not an e-mail address.", field="email")
    if role not in ROLES:
        raise Problem(422, f"The role must be one of {', '.join(ROLES)}.", field="role")
    problem = password_problem(password)
    if problem:
        raise Problem(422, problem, field="password")
    if await find_user(session, email) is not None:
        raise Problem(409, "An account with this e-mail already exists.", field="email")
    user = User(email=email, password_hash=await hash_password_async(password), role=role)
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:  # the same address signed up at the same moment
        raise Problem(409, "An account with this e-mail already exists.",
                      field="email") from exc
    audit(session, actor, "user.create", "user", user.id, {"email": email, "role": role}, ip)
    return user


async def check_login(session: AsyncSession, email: str, password: str,
                      ip: str | None) -> User:
    """The user for these credentials. Failures are recorded and committed here (the caller's
    transaction is rolled back when the request fails); too many give 429 with Retry-After."""
    email = normalise_email(email)
    await _refuse_if_throttled(session, email, ip)
    user = await find_user(session, email)
    ok = await verify_password_async(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        await throttle.record_failure(session, email, ip)
        await session.commit()
        raise Problem(401, "Wrong e-mail or password.", type_="unauthorised",
                      headers={"WWW-Authenticate": 'Bearer realm="registry"'})
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
    await throttle.clear(session, email, ip)
    return user


async def _refuse_if_throttled(session: AsyncSession, email: str, ip: str | None) -> None:
    wait = await throttle.retry_after(session, email, ip)
    if wait is not None:
        raise Problem(429, "Too many failed sign-in attempts; try again later.",
                      type_="throttled", headers={"Retry-After": str(wait)}, retry_after=wait)


async def change_password(session: AsyncSession, principal: Principal, current: str,
                          new: str, ip: str | None) -> User:
    """Set a new password after checking the current one (wrong guesses count towards the
    sign-in throttle); access tokens issued before now are refused from then on."""
    if principal.scopes:
        raise Problem(403, "A password is changed with a password sign-in, not an API key.",
                      type_="forbidden")
    user = await session.get(User, principal.user_id)
    if user is None:
        raise Problem(404, "No such account.")
    await _refuse_if_throttled(session, user.email, ip)
    if not await verify_password_async(user.password_hash, current):
        await throttle.record_failure(session, user.email, ip)
        await session.commit()
        raise Problem(422, "The current password is wrong.", field="current_password")
    if new == current:
        raise Problem(422, "The new password is the current one.", field="new_password")
    await _set_password(session, user, new, "new_password")
    audit(session, principal, "user.password_change", "user", user.id, None, ip)
    return user


async def reset_password(session: AsyncSession, email: str, new: str, *, actor: str) -> User:
    """Set the password of the account with this e-mail (``registry user reset-password``:
    a registrar's way to help someone who lost theirs, out of band); signs it out everywhere
    and revokes its API keys."""
    user = await find_user(session, email)
    if user is None:
        raise Problem(404, f"No account with the e-mail {normalise_email(email)!r}.",
                      field="email")
    await _set_password(session, user, new, "password")
    # The tool for a lost or taken-over account: keys made with the old password go too.
    revoked = len((await session.execute(
        update(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now()).returning(ApiKey.id))).all())
    audit(session, actor, "user.password_reset", "user", user.id,
          {"api_keys_revoked": revoked})
    return user


async def _set_password(session: AsyncSession, user: User, new: str, field: str) -> None:
    problem = password_problem(new)
    if problem:
        raise Problem(422, problem, field=field)
    user.password_hash = await hash_password_async(new)
    # Tokens carry whole seconds: the change counts from the next one, so that every token
    # issued before it is refused (registry/auth/principal.py), and the token the change
    # returns is issued at that second.
    now = dt.datetime.now(dt.UTC)
    user.password_changed_at = now.replace(microsecond=0) + dt.timedelta(seconds=1)
    await throttle.clear_everywhere(session, user.email)


async def memberships(session: AsyncSession, user_id: int) -> Sequence[Registrant]:
    return (await session.scalars(
        select(Registrant).join(RegistrantMember, RegistrantMember.registrant_id == Registrant.id)
        .where(RegistrantMember.user_id == user_id).order_by(Registrant.id))).all()


async def create_api_key(session: AsyncSession, principal: Principal, name: str,
                         scopes: list[str], ip: str | None) -> tuple[ApiKey, str]:
    if principal.scopes:
        # A leaked key must not be able to mint more keys.
        raise Problem(403, "API keys are managed with a password sign-in, not an API key.",
                      type_="forbidden")
    for i, scope in enumerate(scopes):
        if scope not in apikeys.SCOPES:
            raise Problem(422, f"Unknown scope {scope!r}; use {', '.join(apikeys.SCOPES)}.",
                          field=f"scopes[{i}]")
    if not scopes:
        raise Problem(422, "Give at least one scope.", field="scopes")
    if len(name) > 200:
        raise Problem(422, "The name is too long (at most 200 characters).", field="name")
    prefix, secret, full = apikeys.new_key()
    key = ApiKey(user_id=principal.user_id, name=name, prefix=prefix,
                 key_hash=apikeys.hash_secret(secret), scopes=sorted(set(scopes)))
    session.add(key)
    await session.flush()
    audit(session, principal, "api_key.create", "api_key", key.id,
          {"prefix": prefix, "name": name, "scopes": key.scopes}, ip)
    return key, full


async def list_api_keys(session: AsyncSession, user_id: int) -> Sequence[ApiKey]:
    return (await session.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id))).all()


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: int,
                         ip: str | None) -> None:
    key = await session.get(ApiKey, key_id)
    # Another user's key is reported as missing: its existence is none of the caller's business.
    if key is None or key.user_id != principal.user_id:
        raise Problem(404, f"You have no API key with id {key_id}.", field="key_id")
    if key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
        audit(session, principal, "api_key.revoke", "api_key", key.id, {"prefix": key.prefix},
              ip)
