"""The asyncpg connection under a SQLAlchemy session, for ``COPY`` and other bulk work,
inside the session's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def session_driver(session: AsyncSession) -> Any:
    """The session's asyncpg connection, its transaction begun."""
    return await connection_driver(await session.connection())


async def connection_driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection of ``conn``, its transaction begun. SQLAlchemy's adapter sends
    BEGIN only with its own first statement: before that, each statement sent straight to
    the driver commits on its own, so a bulk write that came first in a transaction could
    not be rolled back (found by tests/search/test_sync.py)."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        await conn.execute(text("SELECT 1"))
    return driver
