"""``registry index rebuild|sync|status``: the search index from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from search import outbox, sync
from search.backend import IndexedBackend
from search.factory import make_backend

from .context import Context, pass_context, run_with_sessions

T = TypeVar("T")


def _with_backend(ctx: Context, work: Callable[[Any, IndexedBackend], Awaitable[T]]) -> T:
    """``work`` with a session factory and the configured backend, in an event loop of its
    own; the database is resolved first (it may start and migrate the embedded server)."""

    async def go(sessionmaker: async_sessionmaker[AsyncSession]) -> T:
        backend = make_backend(ctx.settings, sessionmaker)
        try:
            return await work(sessionmaker, backend)
        finally:
            await backend.close()

    return run_with_sessions(ctx, go)


@click.group("index")
def index_group() -> None:
    """The search index: PostgreSQL by default, OpenSearch with REGISTRY_OPENSEARCH_URL."""


@index_group.command("rebuild")
@pass_context
def rebuild_command(ctx: Context) -> None:
    """Build a fresh index from the database and switch searches to it.

    OpenSearch: a new index behind the alias, swapped in one step. PostgreSQL: names are
    re-normalised where the normalisation rules changed.
    """
    async def work(sessionmaker: Any, backend: IndexedBackend) -> int:
        with tqdm(unit=" rec", desc=f"rebuild {backend.name}", file=sys.stderr) as bar:
            return await sync.rebuild(sessionmaker, backend, progress=bar.update)

    count = _with_backend(ctx, work)
    click.echo(f"Rebuilt the {'OpenSearch' if ctx.settings.opensearch_url else 'PostgreSQL'} "
               f"index: {count} written.", err=True)


@index_group.command("sync")
@pass_context
def sync_command(ctx: Context) -> None:
    """Index everything waiting in the outbox, then stop."""
    async def work(sessionmaker: Any, backend: IndexedBackend) -> int:
        with tqdm(unit=" ent", desc=f"sync {backend.name}", file=sys.stderr) as bar:
            return await sync.drain(sessionmaker, backend, progress=bar.update)

    count = _with_backend(ctx, work)
    click.echo(f"Indexed {count} entities; the outbox is empty.", err=True)


@index_group.command("status")
@pass_context
def status_command(ctx: Context) -> None:
    """The backend, its index, and the outbox lag (as JSON)."""
    async def work(sessionmaker: Any, backend: IndexedBackend) -> dict[str, Any]:
        async with sessionmaker() as session:
            queued = await outbox.status(session)
        info = await backend.describe()
        info["healthy"] = await backend.health()
        info["outbox"] = {"rows": queued.rows, "entities": queued.entities,
                          "oldest": queued.oldest.isoformat() if queued.oldest else None,
                          "lag_seconds": round(queued.lag_seconds, 1)}
        return info

    click.echo(json.dumps(_with_backend(ctx, work), indent=2))
