"""Test fixtures: one real PostgreSQL per test session, a fresh database per test.

The migrations run once into a template database; each test gets ``CREATE DATABASE ...
TEMPLATE`` (tens of milliseconds), so tests see real migrations, real commits and the
production middleware stack, and cannot see each other's data. With
``REGISTRY_TEST_DATABASE_URL`` set, the same happens on that server instead.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.db.engine import make_engine, make_sessionmaker, normalise_url
from registry.db.migrate import upgrade
from registry.settings import Settings
from tests import opensearch_node


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


def _asyncpg_dsn(url: str) -> dict[str, Any]:
    u = make_url(normalise_url(url))
    return {"user": u.username, "password": u.password, "host": u.query.get("host", u.host),
            "port": u.port, "database": u.database}


class DatabaseFactory:
    """Makes a fresh database per test from a migrated template."""

    def __init__(self, server_url: str) -> None:
        self.server_url = normalise_url(server_url)
        self.prefix = f"regtest_{uuid.uuid4().hex[:8]}"
        self.template = f"{self.prefix}_template"
        self._counter = itertools.count()

    def url_for(self, database: str) -> str:
        return make_url(self.server_url).set(database=database).render_as_string(
            hide_password=False)

    async def _admin(self) -> asyncpg.Connection:
        dsn = _asyncpg_dsn(self.server_url)
        dsn["database"] = "postgres"
        return await asyncpg.connect(**dsn)

    async def create_template(self) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{self.template}"')
        finally:
            await conn.close()
        # Alembic runs its own event loop; keep it off this one.
        await asyncio.to_thread(upgrade, self.url_for(self.template))

    async def create(self) -> str:
        name = f"{self.prefix}_{next(self._counter)}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        finally:
            await conn.close()
        return self.url_for(name)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def drop_all(self) -> None:
        conn = await self._admin()
        try:
            names = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1",
                                     self.prefix + "%")
            for row in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        finally:
            await conn.close()


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
