"""What every command shares: the :class:`Context` click hands it, the one way to run a
coroutine (:func:`run_async`) and the one way to open the database for a command
(:func:`run_with_sessions`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.db.engine import sessions
from registry.db.resolve import Database, resolve_database
from registry.settings import Settings

T = TypeVar("T")


class Context:
    """What every subcommand needs: settings, and the database once it is asked for."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None

    def database(self, *, upgrade: bool | None = None) -> Database:
        if self._db is None:
            self._db = resolve_database(self.settings)
            # The embedded default is ours to keep current; a real server is upgraded by its
            # operator with `registry db upgrade`.
            if upgrade or (upgrade is None and self._db.embedded is not None):
                from registry.db.migrate import upgrade as run_upgrade

                run_upgrade(self._db.url)
        return self._db


pass_context = click.make_pass_decorator(Context)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a click command, in an event loop of its own."""
    return asyncio.run(coro)


def run_with_sessions(ctx: Context,
                      work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """``work`` with a session factory over the command's database, the engine disposed
    after. The database is resolved first, outside the event loop: it may start and migrate
    the embedded server."""
    url = ctx.database().url

    async def go() -> T:
        async with sessions(url) as sessionmaker:
            return await work(sessionmaker)

    return run_async(go())
