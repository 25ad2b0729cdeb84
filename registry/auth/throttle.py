"""Throttling of the guesser, never of the victim.

Failed sign-ins are counted per (e-mail, client address) and per client address within a
window (table ``login_attempts``); over either limit that address answers 429 with
Retry-After until the oldest counted failure leaves the window. Nobody elsewhere is locked
out of an account by someone else's wrong guesses (a per-e-mail limit let anyone lock the
registrar out). Sign-up attempts are counted per client address (``kind = 'sign-up'``),
since each costs a deliberately slow password hash.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from registry.models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
MAX_PER_EMAIL = 5  # failures for one e-mail from one address
MAX_PER_ADDRESS = 20  # failures from one address, whatever the e-mail
MAX_SIGN_UPS_PER_ADDRESS = 10
SIGN_IN, SIGN_UP = "sign-in", "sign-up"


async def _wait(session: AsyncSession, where: list[ColumnElement[bool]], limit: int,
                now: dt.datetime) -> int | None:
    count, oldest = (await session.execute(
        select(func.count(), func.min(LoginAttempt.at))
        .where(*where, LoginAttempt.at > now - WINDOW))).one()
    if count >= limit and oldest is not None:
        return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
    return None


async def retry_after(session: AsyncSession, email: str, ip: str | None,
                      now: dt.datetime | None = None) -> int | None:
    """Seconds this caller waits before its next sign-in attempt, or None."""
    now = now or dt.datetime.now(dt.UTC)
    sign_in = LoginAttempt.kind == SIGN_IN
    pair = [sign_in, LoginAttempt.email == email,
            LoginAttempt.ip == ip if ip is not None else LoginAttempt.ip.is_(None)]
    waits = [await _wait(session, pair, MAX_PER_EMAIL, now)]
    if ip is not None:
        waits.append(await _wait(session, [sign_in, LoginAttempt.ip == ip],
                                 MAX_PER_ADDRESS, now))
    found = [w for w in waits if w is not None]
    return max(found) if found else None


async def sign_up_retry_after(session: AsyncSession, ip: str | None,
                              now: dt.datetime | None = None) -> int | None:
    if ip is None:
        return None
    return await _wait(session, [LoginAttempt.kind == SIGN_UP, LoginAttempt.ip == ip],
                       MAX_SIGN_UPS_PER_ADDRESS, now or dt.datetime.now(dt.UTC))


async def record_failure(session: AsyncSession, email: str, ip: str | None,
                         kind: str = SIGN_IN) -> None:
    session.add(LoginAttempt(email=email, ip=ip, kind=kind))
    # Old rows carry no information any more; keep the table small.
    await session.execute(delete(LoginAttempt).where(
        LoginAttempt.ip == ip if ip is not None else LoginAttempt.email == email,
        LoginAttempt.at < func.now() - WINDOW * 4))


async def clear(session: AsyncSession, email: str, ip: str | None) -> None:
    """A successful sign-in forgives this address's failures for the e-mail (not the
    address's other failures)."""
    await session.execute(delete(LoginAttempt).where(
        LoginAttempt.kind == SIGN_IN, LoginAttempt.email == email,
        LoginAttempt.ip == ip if ip is not None else LoginAttempt.ip.is_(None)))


async def clear_everywhere(session: AsyncSession, email: str) -> None:
    """A new password makes every earlier guess at the old one moot."""
    await session.execute(delete(LoginAttempt).where(LoginAttempt.kind == SIGN_IN,
                                                     LoginAttempt.email == email))
