"""Who is calling: from an access token or an API key to a ``Principal``.

Role and memberships are read from the database on every authenticated request, so a
deactivated account or a changed role takes effect at once, not when a token expires.
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import Principal
from registry.models import ApiKey, RegistrantMember, User

from . import apikeys, tokens

LAST_USED_RESOLUTION = dt.timedelta(minutes=5)  # don't write on every request


class AuthenticationFailed(Exception):
    pass


async def principal_for_user(session: AsyncSession, user: User,
                             scopes: frozenset[str] = frozenset()) -> Principal:
    ids = (await session.scalars(select(RegistrantMember.registrant_id)
                                 .where(RegistrantMember.user_id == user.id))).all()
    return Principal(user_id=user.id, email=user.email, role=user.role,
                     registrant_ids=frozenset(ids), scopes=scopes)


async def authenticate(session: AsyncSession, authorization: str, secret: str) -> Principal:
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise AuthenticationFailed("Use 'Authorization: Bearer <token or API key>'.")
    if apikeys.looks_like_key(credential):
        return await _from_api_key(session, credential)
    try:
        claims = tokens.verify_token(secret, credential)
    except tokens.InvalidToken as exc:
        raise AuthenticationFailed(str(exc)) from exc
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed("The account of this token is not active.")
    if issued_before_password_change(claims, user):
        raise AuthenticationFailed("The password was changed after this token was issued; "
                                   "sign in again.")
    return await principal_for_user(session, user)


def issued_before_password_change(claims: tokens.TokenClaims, user: User) -> bool:
    """``password_changed_at`` is the whole second after the change (tokens carry whole
    seconds): a token issued before the change is always refused; one issued by a sign-in
    within that same second too (sign in again)."""
    changed = user.password_changed_at
    return changed is not None and claims.issued_at < int(changed.timestamp())


async def _from_api_key(session: AsyncSession, credential: str) -> Principal:
    parts = apikeys.split_key(credential)
    if parts is None:
        raise AuthenticationFailed("The API key is malformed.")
    prefix, secret = parts
    row = (await session.execute(
        select(ApiKey, User).join(User, User.id == ApiKey.user_id)
        .where(ApiKey.prefix == prefix))).first()
    if row is None or not hmac.compare_digest(row[0].key_hash, apikeys.hash_secret(secret)):
        raise AuthenticationFailed("The API key is not valid.")
    key, user = row
    if key.revoked_at is not None:
        raise AuthenticationFailed("The API key has been revoked.")
    if not user.is_active:
        raise AuthenticationFailed("The account of this API key is not active.")
    now = dt.datetime.now(dt.UTC)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        await session.commit()
    scopes = frozenset(key.scopes) or frozenset({"read"})
    return await principal_for_user(session, user, scopes)
