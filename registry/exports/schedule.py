"""Scheduled publishing inside ``serve`` (``REGISTRY_PUBLISH_EVERY``; off by default).

The snapshot is written in a worker thread with its own event loop, so serialising millions
of rows does not stall the API's loop. Several ``serve`` processes may share a database and
a downloads directory: an advisory lock lets one of them publish at a time, and a snapshot
is due only when the newest one is older than the interval, whoever wrote it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio
from litestar import Litestar
from sqlalchemy import text

from registry.db.engine import make_engine
from registry.logging import get_logger
from registry.settings import Settings

from .publish import latest, publish

log = get_logger("registry.publish")

PUBLISH_LOCK = 7_424_851_017


def due_in(root: Path, every: int, now: dt.datetime | None = None) -> float:
    """Seconds until the next snapshot is due (0: now)."""
    newest = latest(root)
    if newest is None:
        return 0.0
    made = dt.datetime.strptime(newest.name, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (made + dt.timedelta(seconds=every) - now).total_seconds())


async def publish_if_due(database_url: str, settings: Settings) -> Path | None:
    root = settings.downloads_dir
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            if not await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"),
                                     {"k": PUBLISH_LOCK}):
                return None  # another process is publishing
            await conn.commit()
            try:
                if due_in(root, settings.publish_every) > 0:
                    return None
                return await publish(database_url, root, keep=settings.publish_keep,
                                     changes_keep_days=settings.changes_keep_days)
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PUBLISH_LOCK})
                await conn.commit()
    finally:
        await engine.dispose()


async def run_schedule(database_url: str, settings: Settings) -> None:
    while True:
        await asyncio.sleep(min(due_in(settings.downloads_dir, settings.publish_every), 3600))
        try:
            made = await anyio.to_thread.run_sync(
                lambda: asyncio.run(publish_if_due(database_url, settings)))
            if made is not None:
                log.info("published", snapshot=str(made))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # try again at the next interval
            log.warning("publish_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            await asyncio.sleep(min(settings.publish_every, 600))
        await asyncio.sleep(1)


def publish_lifespan(database_url: str
                     ) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        settings: Settings = app.state.settings
        task = None
        if settings.publish_every > 0:
            task = asyncio.create_task(run_schedule(database_url, settings),
                                       name="publish-schedule")
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan
