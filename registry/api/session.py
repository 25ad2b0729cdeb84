"""One database session per request: committed when the handler succeeds, rolled back when
it raises. Litestar runs the code after ``yield`` before the response is sent, so a client
never sees a 2xx for a write that then failed to commit."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.api.problems import Problem
from registry.db import limits


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    sessionmaker: async_sessionmaker[AsyncSession] = state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()


def provide_sessionmaker(state: State) -> async_sessionmaker[AsyncSession]:
    """For handlers that stream: the body runs after the request session is closed, so a
    streaming generator opens its own session from this factory, on the exports' own pool
    (registry/db/limits.py). A full pool is a 503 before anything streams."""
    sm: async_sessionmaker[AsyncSession] = state.export_sessionmaker
    pool = state.export_engine.pool
    if pool.checkedout() >= limits.EXPORT_CONNECTIONS:
        raise Problem(503, "Every download slot is taken; try again shortly.",
                      type_="busy", headers={"Retry-After": str(limits.EXPORT_RETRY_AFTER_S)})
    return sm


# Handlers declare ``db_session: DbSession`` (explicit injection; inferred is deprecated).
DbSession = NamedDependency[AsyncSession]
SessionMaker = NamedDependency[async_sessionmaker[AsyncSession]]
