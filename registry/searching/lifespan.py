"""The search backend's life inside the app: built from settings at startup (after the
database), with the outbox worker when ``settings.sync_worker``; closed at shutdown."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar

from registry.settings import Settings
from search.factory import make_backend
from search.sync import SyncWorker


@asynccontextmanager
async def search_lifespan(app: Litestar) -> AsyncGenerator[None, None]:
    settings: Settings = app.state.settings
    backend = make_backend(settings.search_options, app.state.sessionmaker)
    app.state.search_backend = backend
    worker = SyncWorker(app.state.sessionmaker, backend) if settings.sync_worker else None
    if worker:
        worker.start()
    try:
        yield
    finally:
        if worker:
            await worker.stop()
        await backend.close()
