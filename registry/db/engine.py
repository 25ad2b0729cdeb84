"""The SQLAlchemy async engine and session factory over asyncpg."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs as people paste them; use asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://",
                   "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    return url


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    options: dict[str, Any] = {"pool_pre_ping": True, "json_serializer": _dumps}
    options.update(kwargs)
    return create_async_engine(normalise_url(url), **options)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def sessions(url: str, **kwargs: Any) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory over a fresh engine, disposed on the way out (a command's or a
    job's whole use of the database)."""
    engine = make_engine(url, **kwargs)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
