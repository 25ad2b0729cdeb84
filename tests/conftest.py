"""Test fixtures: one real PostgreSQL per test session, a fresh database per test.

The migrations run once into a template database; each test gets ``CREATE DATABASE ...
TEMPLATE`` (tens of milliseconds), so tests see real migrations, real commits and the
production middleware stack, and cannot see each other's data. With
``REGISTRY_TEST_DATABASE_URL`` set, the same happens on that server instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.db.engine import make_engine, make_sessionmaker, normalise_url
from registry.settings import Settings
from tests import opensearch_node
from tests.database_support import DatabaseFactory


def pytest_report_header(config: pytest.Config) -> str:
    return f"OpenSearch tests: {opensearch_node.describe_engine()}"


@pytest.hookimpl(trylast=True)  # after -m/-k have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if opensearch_node.engine() == "real" and any(
            item.get_closest_marker("opensearch") for item in items):
        opensearch_node.session_node().start_in_background()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    node = opensearch_node.started_node()
    running = node.running if node else None
    if running:
        terminalreporter.write_line(
            f"OpenSearch tests: real OpenSearch {running.version} at {running.url} "
            f"(up {running.seconds:.1f} s after the start was asked for)")
    elif opensearch_node.engine() != "real":
        terminalreporter.write_line(f"OpenSearch tests: {opensearch_node.describe_engine()}")


def pytest_unconfigure(config: pytest.Config) -> None:
    opensearch_node.stop_session_node()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    external = os.environ.get("REGISTRY_TEST_DATABASE_URL")
    if external:
        yield normalise_url(external)
        return
    from registry.db.embedded import server_uri, start_embedded

    data_dir = Path(tempfile.mkdtemp(prefix="registry-test-"))
    server = start_embedded(data_dir, cleanup_mode="delete")
    try:
        yield server_uri(server, "postgres")
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
async def db_factory(pg_server_url: str) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_server_url)
    await factory.create_template()
    yield factory
    await factory.drop_all()


@pytest.fixture
async def database_url(db_factory: DatabaseFactory) -> AsyncIterator[str]:
    url = await db_factory.create()
    yield url
    await db_factory.drop(url)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="test-secret-key-not-for-production",
                    sync_worker=False)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on the test's database, for arranging data and checking results."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


@pytest.fixture
def app(settings: Settings, database_url: str) -> Litestar:
    return create_app(settings, database_url)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
async def demo(database_url: str) -> dict[str, Any]:
    """The bundled demo data, loaded into the test's database."""
    from registry.demo.load import load_demo

    assert await load_demo(database_url)
    return {}
