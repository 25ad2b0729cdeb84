"""Search fixtures: every contract test runs once per backend.

PostgreSQL needs nothing more. OpenSearch (see ``tests/opensearch_node.py``) is the cluster at
``REGISTRY_TEST_OPENSEARCH_URL``, else one real OpenSearch node for the session where java
and mvn are on PATH, else a fresh osmem-server clone per test (the emulator from a wheel). On
a shared cluster every test has an index prefix of its own, and its indices are deleted after it.
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
from tests import opensearch_node

BACKENDS = ["postgres", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@pytest.fixture(scope="session")
def real_opensearch_url() -> str:
    """The session's real node (started in the background at collection)."""
    return opensearch_node.session_node().wait().url


@pytest.fixture
def opensearch_url(request: pytest.FixtureRequest) -> str:
    which = opensearch_node.engine()
    if which == "external":
        return os.environ["REGISTRY_TEST_OPENSEARCH_URL"]
    if which == "real":
        return str(request.getfixturevalue("real_opensearch_url"))
    clone: Any = request.getfixturevalue("osmem_clone")
    return str(clone.url)


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pages_by_keyset(backend_name: str) -> None:
    """Paging by cursor needs ``search_after`` on ``_score``, which osmem-server ignores (a
    real node pages by it, as PostgreSQL pages by (score, id))."""
    if backend_name == "opensearch" and opensearch_node.engine() == "osmem":
        pytest.skip("osmem-server ignores search_after on _score")


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
    """Delete the test's indices; on a shared node, check that none is left."""
    primary = getattr(backend, "primary", backend)
    if isinstance(primary, OpenSearchBackend):
        await primary.delete_all()
        if opensearch_node.engine() != "osmem":
            left = await primary.client.cat.indices(index=f"{primary.alias}*", format="json",
                                                    h="index")
            assert not left, f"indices left behind: {left}"


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
