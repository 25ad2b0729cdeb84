"""``/behind`` reads in bulk: a handful of statements per request, whatever the size of the
clusters and chains (it walked them level by level, entity by entity: 33 on the demo)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from registry.demo.load import link_demo

HttpClient = AsyncTestClient[Litestar]
BEHIND = "/api/v1/contracts/ocds-demo-0001/behind"
MAX_STATEMENTS = 10


@pytest.fixture
async def linked(database_url: str, demo: dict[str, Any]) -> dict[str, Any]:
    await link_demo(database_url)
    return demo


async def counted(client: HttpClient, path: str) -> tuple[int, list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = client.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = await client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200, r.text
    return len(statements), statements


async def test_behind_reads_in_a_few_statements(client: HttpClient, linked: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Each request computes its answer: the answer cache would replay the first.
    monkeypatch.setattr(client.app.state.http_cache, "max_bytes", 0)
    await client.get(BEHIND)  # the pool's first connection sets itself up
    n, statements = await counted(client, BEHIND)
    assert n <= MAX_STATEMENTS, "\n\n".join(statements)
    # The demo's story is all there (owners two levels up, lobbying, meetings, donations).
    body = (await client.get(BEHIND)).json()
    [s] = body["suppliers"]
    assert s["owners"] and s["lobbying"] and s["meetings"] and s["donations"]
