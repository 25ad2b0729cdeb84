"""The SQLAlchemy async engine and session factory over asyncpg."""

from __future__ import annotations

import json
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
