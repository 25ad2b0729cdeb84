"""Blocking keys of an import's names built beside it, on a second connection.

The insert trigger on ``entity_names`` derives each new name's keys and words in the
writer's own statement: a third of the server's work in a BODS import, on one core. An
importer that sets :data:`DEFER` in its batch transactions only queues its names
(``name_keys_pending``, committed with them; migration 0015), and a
:class:`PendingKeysBuilder` turns the queue into the same keys on another connection while
the next batches are written. The import ends only when the queue is empty, so a search
right after it finds the new names; a crash leaves the queue behind, and the builder of the
next import empties it first.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# For one transaction: the names it inserts are queued instead of keyed by the trigger.
DEFER = text("SELECT set_config('registry.defer_name_keys', 'on', true)")
_BUILD = text("SELECT entity_name_keys_build_pending()")


# Lock waits that end a build (it is retried: the queue comes back with the rollback).
_RETRY_STATES = {"55P03", "40P01"}  # lock_not_available (lock_timeout), deadlock_detected
RETRY_DELAY = 0.05


async def build_pending(conn: AsyncConnection) -> int:
    """Key every queued name (committed); returns how many names were keyed."""
    async with conn.begin():
        # Lost by a server crash at worst: the queue comes back with it and is redone.
        await conn.execute(text("SET LOCAL synchronous_commit = off"))
        # A name another transaction is deleting or renaming makes this wait for it; if that
        # transaction waits for a name locked here (a deadlock), give up first (well before
        # deadlock_timeout), so that the writer is never the one cancelled.
        await conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
        return int((await conn.execute(_BUILD)).scalar_one())


async def build_pending_retrying(conn: AsyncConnection) -> int:
    while True:
        try:
            return await build_pending(conn)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _RETRY_STATES:
                raise
        await asyncio.sleep(RETRY_DELAY)


class PendingKeysBuilder:
    """Empties the queue after every :meth:`poke` (a batch was committed), and at start
    (what a crashed import left). :meth:`finish` waits until the queue is empty."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._changed = asyncio.Condition()
        self._asked = 1  # pokes so far; the first is the start
        self._served = 0  # pokes whose batches a finished build covered
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PendingKeysBuilder:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._task is None:
            return
        if kind is None:
            await self.finish()
        else:
            # The import failed: what is queued stays queued for the next import.
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def poke(self) -> None:
        """A batch with queued names was committed."""
        self._raise_if_failed()
        async with self._changed:
            self._asked += 1
            self._changed.notify_all()

    async def settle(self) -> None:
        """Wait until every batch committed so far is keyed and no build is running. The
        writer calls this before deleting or changing names that earlier batches wrote: a
        build holding one of them while waiting for one that the writer has deleted would
        otherwise be a deadlock."""
        async with self._changed:
            await self._changed.wait_for(self._settled)
        self._raise_if_failed()

    async def finish(self) -> None:
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._task is not None:
            await self._task

    def _settled(self) -> bool:
        return self._served >= self._asked or self._task is None or self._task.done()

    def _raise_if_failed(self) -> None:
        if self._task is not None and self._task.done():
            self._task.result()  # the builder's error, raised in the writer

    async def _run(self) -> None:
        try:
            async with self._engine.connect() as conn:
                while True:
                    async with self._changed:
                        await self._changed.wait_for(
                            lambda: self._asked > self._served or self._closing)
                        target, closing = self._asked, self._closing
                    built = await build_pending_retrying(conn)
                    async with self._changed:
                        self._served = target
                        self._changed.notify_all()
                    if closing and built == 0:
                        return
        finally:
            # Wake a writer waiting in settle() if this ends (or fails).
            async with self._changed:
                self._changed.notify_all()
