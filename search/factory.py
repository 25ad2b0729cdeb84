"""Options -> the search backend the service uses.

No ``opensearch_url``: PostgreSQL. With it: OpenSearch, wrapped so that a search
falls back to PostgreSQL while OpenSearch does not answer (or has no index yet). Indexing
never falls back: it fails, and the outbox keeps the ids until OpenSearch is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from opensearchpy.exceptions import OpenSearchException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .backend import Candidate, CandidateQuery, IndexedBackend, SearchQuery, SearchResult
from .opensearch import OpenSearchBackend
from .options import SearchConfig
from .postgres import PostgresBackend

log = logging.getLogger(__name__)

# Errors that mean "OpenSearch cannot answer now", as opposed to a bug in our query.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OpenSearchException, OSError, asyncio.TimeoutError)


def _outage(exc: BaseException) -> bool:
    """Whether OpenSearch cannot answer now, as opposed to refusing one request (no index
    yet, a query it cannot run: a 4xx, or a 500 with its reason), which the fallback answers
    without sending the next searches there too."""
    status = getattr(exc, "status_code", None)  # "N/A" for a connection error
    return not isinstance(status, int) or status == 429 or status >= 502


class FallbackBackend:
    """OpenSearch first; PostgreSQL while OpenSearch is unavailable. After an outage (no
    connection, a timeout, 429 or 5xx from a proxy or an overloaded cluster) the primary is
    skipped for ``retry_after`` seconds so that every request does not wait for a dead
    cluster; a request it refuses (4xx, 500) falls back alone."""

    def __init__(self, primary: OpenSearchBackend, fallback: PostgresBackend,
                 retry_after: float = 10.0) -> None:
        self.primary = primary
        self.fallback = fallback
        self.retry_after = retry_after
        self.name = primary.name
        self._down_until = 0.0

    def _primary_up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _mark_down(self, exc: BaseException) -> None:
        if _outage(exc):
            self._down_until = time.monotonic() + self.retry_after
        log.warning("search_fallback", extra={
            "backend": self.fallback.name, "outage": _outage(exc),
            "error": f"{type(exc).__name__}: {exc}"[:300]})

    async def search(self, query: SearchQuery) -> SearchResult:
        if self._primary_up():
            try:
                return await self.primary.search(query)
            except UNAVAILABLE as exc:
                self._mark_down(exc)
        return await self.fallback.search(query)

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        if self._primary_up():
            try:
                return await self.primary.candidates(query)
            except UNAVAILABLE as exc:
                self._mark_down(exc)
        return await self.fallback.candidates(query)

    async def index_entities(self, entity_ids: Sequence[int]) -> None:
        await self.primary.index_entities(entity_ids)

    async def health(self) -> bool:
        return await self.primary.health()

    async def rebuild(self, progress: Callable[[int], object] | None = None) -> int:
        return await self.primary.rebuild(progress)

    async def describe(self) -> dict[str, Any]:
        info = await self.primary.describe()
        info["fallback"] = self.fallback.name
        return info

    async def close(self) -> None:
        await self.primary.close()


def make_backend(options: SearchConfig, sessionmaker: async_sessionmaker[AsyncSession], *,
                 refresh: bool = False) -> IndexedBackend:
    postgres = PostgresBackend(sessionmaker)
    if not options.opensearch_url:
        return postgres
    primary = OpenSearchBackend(options.opensearch_url, sessionmaker,
                                prefix=options.index_prefix, refresh=refresh)
    return FallbackBackend(primary, postgres)
