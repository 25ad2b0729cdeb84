"""Search fixtures: every contract test runs once per backend.

PostgreSQL needs nothing more; OpenSearch runs on a fresh osmem-server clone per test (an
in-memory OpenSearch-compatible server from a wheel), or on the cluster at
``REGISTRY_TEST_OPENSEARCH_URL`` with an index prefix of its own per test.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.app import create_app
from registry.db.engine import make_engine, make_sessionmaker
from registry.settings import Settings
from search.backend import IndexedBackend
from search.factory import make_backend
from search.opensearch import OpenSearchBackend
from search.sync import drain

BACKENDS = ["postgres", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@pytest.fixture
def opensearch_url(request: pytest.FixtureRequest) -> str:
    external = os.environ.get("REGISTRY_TEST_OPENSEARCH_URL")
    if external:
        return external
    clone: Any = request.getfixturevalue("osmem_clone")
    return str(clone.url)


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def search_settings(settings: Settings, backend_name: str,
                    request: pytest.FixtureRequest) -> Settings:
    if backend_name == "postgres":
        return settings
    return dataclasses.replace(settings, opensearch_url=request.getfixturevalue("opensearch_url"),
                               index_prefix=f"test-{uuid.uuid4().hex[:10]}")


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _cleanup(backend: IndexedBackend) -> None:
    primary = getattr(backend, "primary", backend)
    if isinstance(primary, OpenSearchBackend):
        await primary.delete_all()


@pytest.fixture
async def backend(search_settings: Settings,
                  sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[IndexedBackend]:
    made = make_backend(search_settings, sessionmaker, refresh=True)
    yield made
    await _cleanup(made)
    await made.close()


@pytest.fixture
async def indexed_demo(demo: dict[str, Any], backend: IndexedBackend,
                       sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The demo data, indexed: source_key -> entity id."""
    await drain(sessionmaker, backend)
    async with sessionmaker() as session:
        from sqlalchemy import text

        rows = await session.execute(text("SELECT source_key, id FROM entities"))
        return {r.source_key: r.id for r in rows}


@pytest.fixture
async def search_client(search_settings: Settings, database_url: str,
                        indexed_demo: dict[str, int]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The real app on the chosen backend, with the demo data indexed (by the ``backend``
    fixture: the app runs on the test client's own event loop)."""
    app = create_app(search_settings, database_url)
    async with AsyncTestClient(app=app) as client:
        yield client
