"""Login throttling: failed logins are counted per e-mail and per client address within a
window (table ``login_attempts``); over the limit, the token endpoint answers 429 with
Retry-After until the oldest counted failure leaves the window."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 20


async def retry_after(session: AsyncSession, email: str, ip: str | None,
                      now: dt.datetime | None = None) -> int | None:
    """Seconds to wait before the next attempt, or None when one may try now."""
    now = now or dt.datetime.now(dt.UTC)
    since = now - WINDOW
    waits: list[int] = []
    for column, value, limit in ((LoginAttempt.email, email, MAX_PER_EMAIL),
                                 (LoginAttempt.ip, ip, MAX_PER_ADDRESS)):
        if value is None:
            continue
        count, oldest = (await session.execute(
            select(func.count(), func.min(LoginAttempt.at))
            .where(column == value, LoginAttempt.at > since))).one()
        if count >= limit and oldest is not None:
            waits.append(max(1, math.ceil((oldest + WINDOW - now).total_seconds())))
    return max(waits) if waits else None


async def record_failure(session: AsyncSession, email: str, ip: str | None) -> None:
    session.add(LoginAttempt(email=email, ip=ip))
    # Old rows carry no information any more; keep the table small.
    await session.execute(delete(LoginAttempt).where(
        LoginAttempt.email == email, LoginAttempt.at < func.now() - WINDOW * 4))


async def clear(session: AsyncSession, email: str) -> None:
    """A successful login forgives the e-mail's failures (not the address's)."""
    await session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
