"""A fresh database per test, cloned from one migrated template (used by tests/conftest.py
and tests/browser/conftest.py)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from registry.db.engine import normalise_url
from registry.db.migrate import upgrade


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
