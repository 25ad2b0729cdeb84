"""Draining the outbox into the search backend: the worker inside ``serve``,
``registry index sync`` and ``registry index rebuild`` all go through here.

Each batch is one transaction: claim (delete) outbox rows, write the documents, commit. If
the backend fails (OpenSearch down), the transaction rolls back and the rows stay queued;
the worker backs off and tries again. A rebuild takes an exclusive advisory lock that every
batch takes shared, so no batch runs while the new index is filled: changes made meanwhile
wait in the outbox and go into the new index once the alias points at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import outbox
from .backend import IndexedBackend

log = logging.getLogger(__name__)

SYNC_LOCK = 7_424_851_004
BATCH = 500


async def drain_once(sessionmaker: async_sessionmaker[AsyncSession], backend: IndexedBackend,
                     batch: int = BATCH) -> int:
    """Index one batch; returns the number of entities written (0: nothing to do, or a
    rebuild is running)."""
    async with sessionmaker() as session, session.begin():
        free = (await session.execute(text("SELECT pg_try_advisory_xact_lock_shared(:k)"),
                                      {"k": SYNC_LOCK})).scalar()
        if not free:
            return 0
        ids = await outbox.claim(session, batch)
        if ids:
            await backend.index_entities(ids)
    return len(ids)


async def drain(sessionmaker: async_sessionmaker[AsyncSession], backend: IndexedBackend,
                batch: int = BATCH, progress: Callable[[int], object] | None = None) -> int:
    """Drain until the outbox is empty (tests call this to index synchronously)."""
    total = 0
    while n := await drain_once(sessionmaker, backend, batch):
        total += n
        if progress:
            progress(n)
    return total


async def rebuild(sessionmaker: async_sessionmaker[AsyncSession], backend: IndexedBackend,
                  progress: Callable[[int], object] | None = None) -> int:
    """Rebuild the index with the sync paused, then drain what queued up meanwhile."""
    async with sessionmaker() as session:
        # Session-level lock on this connection: waits for running batches to finish.
        await session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SYNC_LOCK})
        await session.commit()
        try:
            count = await backend.rebuild(progress)
        finally:
            await session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SYNC_LOCK})
            await session.commit()
    await drain(sessionmaker, backend)
    return count


class SyncWorker:
    """The background drain inside ``serve``: polls the outbox, backs off on failure."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], backend: IndexedBackend,
                 *, idle: float = 1.0, max_backoff: float = 30.0) -> None:
        self.sessionmaker = sessionmaker
        self.backend = backend
        self.idle = idle
        self.max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="search-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = self.idle
        while True:
            try:
                n = await drain_once(self.sessionmaker, self.backend)
                backoff = self.idle
                if n:
                    log.debug("search_sync_batch", extra={"entities": n})
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the rows queued; try again later
                backoff = min(self.max_backoff, max(backoff * 2, self.idle))
                log.warning("search_sync_failed", extra={
                    "error": f"{type(exc).__name__}: {exc}"[:300], "retry_in": backoff})
            await asyncio.sleep(backoff)
