"""One database session per request: committed when the handler succeeds, rolled back when
it raises. Litestar runs the code after ``yield`` before the response is sent, so a client
never sees a 2xx for a write that then failed to commit."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
    streaming generator opens its own session from this factory."""
    sm: async_sessionmaker[AsyncSession] = state.sessionmaker
    return sm


# Handlers declare ``db_session: DbSession`` (explicit injection; inferred is deprecated).
DbSession = NamedDependency[AsyncSession]
SessionMaker = NamedDependency[async_sessionmaker[AsyncSession]]
