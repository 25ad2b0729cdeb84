"""HTTP caching of public reads (registry/http_cache.py): validators and conditional GET,
and answers cached per process but never served after the data under them changed,
whichever process or connection changed it."""

from __future__ import annotations

import datetime as dt
from email.utils import formatdate
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.demo.load import link_demo
from registry.http_cache import AnswerCache
from registry.models import Entity, Link
from registry.settings import Settings
from tests.lobbying_support import account

HttpClient = AsyncTestClient[Litestar]
BEHIND = "/api/v1/contracts/ocds-demo-0001/behind"


@pytest.fixture
async def linked(database_url: str, demo: dict[str, Any]) -> dict[str, Any]:
    await link_demo(database_url)
    return demo


async def _generations(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(text(
        "SELECT scope, sum(generation)::bigint FROM cache_generations GROUP BY scope"))
    await session.commit()
    return {scope: n for scope, n in rows}


async def test_conditional_get(client: HttpClient, session: AsyncSession,
                               settings: Settings, linked: dict[str, Any]) -> None:
    first = await client.get(BEHIND)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    last_modified = first.headers["last-modified"]

    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = await client.get(BEHIND, headers={"If-None-Match": tag})
        assert again.status_code == 304, tag
        assert again.content == b"" and again.headers["etag"] == etag
    changed = await client.get(BEHIND, headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.content == first.content

    assert (await client.get(BEHIND, headers={"If-Modified-Since": last_modified})
            ).status_code == 304
    yesterday = formatdate((dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).timestamp(),
                           usegmt=True)
    assert (await client.get(BEHIND, headers={"If-Modified-Since": yesterday})
            ).status_code == 200
    # If-None-Match decides when both are sent.
    assert (await client.get(BEHIND, headers={"If-None-Match": '"other"',
                                              "If-Modified-Since": last_modified})
            ).status_code == 200

    # Pages, search and plain reads have validators too; errors have none.
    for path in ("/contracts/ocds-demo-0001", "/api/v1/search?q=acme", "/search?q=acme",
                 "/api/v1/contracts/ocds-demo-0001", "/api/v1/entities?limit=2"):
        r = await client.get(path)
        assert r.status_code == 200 and "etag" in r.headers, path
        assert (await client.get(path, headers={"If-None-Match": r.headers["etag"]})
                ).status_code == 304, path
    # A read not kept in memory has no known modification time, only its ETag.
    codes = "/api/v1/registrants/code-lists"
    listing = await client.get(codes)
    assert "etag" in listing.headers and "last-modified" not in listing.headers
    assert (await client.get(codes, headers={
        "If-Modified-Since": formatdate(usegmt=True)})).status_code == 200
    missing = await client.get("/api/v1/contracts/nope/behind")
    assert missing.status_code == 404 and "etag" not in missing.headers

    # A signed-in caller may see more than the public: no shared validators, no cache.
    headers = await account(session, settings, "reader@example.org")
    signed_in = await client.get(BEHIND, headers={**headers, "If-None-Match": etag})
    assert signed_in.status_code == 200 and "etag" not in signed_in.headers


async def test_a_decision_shows_at_once_in_every_process(
        app: Litestar, client: HttpClient, session: AsyncSession, settings: Settings,
        database_url: str, linked: dict[str, Any]) -> None:
    # A second serving process: its own app, its own memory, the same database.
    other_app = create_app(settings, database_url)
    async with AsyncTestClient(app=other_app) as other:
        before = await other.get(BEHIND)
        assert before.status_code == 200 and before.json()["suppliers"][0]["companies"]
        assert (await client.get(BEHIND)).content == before.content

        # Both now answer from memory: a stored answer changed by hand is what they serve.
        cache: AnswerCache = other_app.state.http_cache
        entry = cache.get((BEHIND, b""))
        assert entry is not None
        entry.body = entry.body.replace(b"Acme", b"Xcme")
        assert b"Xcme" in (await other.get(BEHIND)).content

        # A registrar rejects the supplier's link through the first process.
        supplier = await session.scalar(select(Entity.id).where(
            Entity.source_key == "ocds-demo-0001/GB-COH-1234567"))
        link_id = await session.scalar(select(Link.id).where(
            (Link.left_id == supplier) | (Link.right_id == supplier),
            Link.status == "auto"))
        registrar = await account(session, settings, "registrar@example.org", "registrar")
        r = await client.post(f"/api/v1/links/{link_id}/decision", headers=registrar,
                              json={"decision": "rejected", "comment": "not them"})
        assert r.status_code in (200, 201), r.text

        after = await other.get(BEHIND, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.json()["suppliers"][0]["companies"] == []
        assert after.headers["etag"] != before.headers["etag"]
        assert (await client.get(BEHIND)).content == after.content


async def test_a_write_from_another_connection_shows_on_pages(
        client: HttpClient, session: AsyncSession, linked: dict[str, Any]) -> None:
    entity = await session.scalar(select(Entity).where(
        Entity.source_key == "GB-COH-01234567"))
    assert entity is not None
    page = f"/entities/{entity.id}"
    first = await client.get(page)
    assert "Acme Construction Limited" in first.text
    assert (await client.get(page)).content == first.content  # served again, from memory

    # An importer's bulk write, say: plain SQL on its own connection.
    await session.execute(text("UPDATE entities SET name = 'Acme Building Limited' "
                               "WHERE id = :id"), {"id": entity.id})
    await session.commit()
    second = await client.get(page)
    assert "Acme Building Limited" in second.text
    assert second.headers["etag"] != first.headers["etag"]


async def test_generations_count_committed_transactions(
        session: AsyncSession, demo: dict[str, Any]) -> None:
    start = await _generations(session)
    assert set(start) == {"entities", "search", "index", "links", "ownership",
                          "procurement", "register"}
    # Several statements in one transaction: one step, at commit.
    for name in ("One Ltd", "Two Ltd"):
        await session.execute(text("UPDATE entities SET name = :n "
                                   "WHERE source_key = 'GB-COH-01234567'"), {"n": name})
    assert await session.scalar(text(
        "SELECT sum(generation) FROM cache_generations WHERE scope = 'entities'"
    )) == start["entities"]  # not yet: the new data is not visible to others either
    await session.commit()
    after = await _generations(session)
    assert after["entities"] == start["entities"] + 1
    assert after["links"] == start["links"] and after["register"] == start["register"]

    # A rolled-back write changes nothing, and leaves nothing behind.
    await session.execute(text("UPDATE entities SET name = 'Three Ltd' "
                               "WHERE source_key = 'GB-COH-01234567'"))
    await session.rollback()
    assert await _generations(session) == after
    assert (await session.scalar(text("SELECT count(*) FROM cache_generation_pending"))) == 0


async def test_the_one_round_trip_entity_read_matches_the_orm_view(
        client: HttpClient, session: AsyncSession, linked: dict[str, Any]) -> None:
    import msgspec

    from registry.entities.schemas import entity_out

    rows = (await session.scalars(select(Entity).order_by(Entity.id))).all()
    assert len(rows) > 10
    for row in rows:
        r = await client.get(f"/api/v1/entities/{row.id}")
        assert r.status_code == 200
        assert r.json() == msgspec.to_builtins(entity_out(row)), row.id
    missing = await client.get("/api/v1/entities/999999")
    assert missing.status_code == 404 and missing.json()["field"] == "entity_id"

    # The listing too, page by page, with its filters.
    for params, wanted in (
            ({}, rows),
            ({"kind": "company", "country": "gb"},
             [e for e in rows if e.kind == "company" and e.country == "GB"]),
            ({"dataset": "demo-bods"}, [e for e in rows if e.dataset == "demo-bods"])):
        seen: list[Any] = []
        cursor = None
        while True:
            page = (await client.get("/api/v1/entities", params={
                **params, "limit": 4, **({"cursor": cursor} if cursor else {})})).json()
            seen += page["items"]
            cursor = page["next"]
            if not cursor:
                break
        assert seen == [msgspec.to_builtins(entity_out(e)) for e in wanted], params


async def test_concurrent_requests_share_generation_reads(
        database_url: str, session: AsyncSession, demo: dict[str, Any]) -> None:
    import asyncio

    import asyncpg

    from registry.http_cache import Generations, asyncpg_dsn

    pool = await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=1, max_size=4)
    try:
        generations = Generations(pool)
        answers = await asyncio.gather(*(generations.read() for _ in range(20)))
        assert generations.reads <= 2 and len({tuple(a.items()) for a in answers}) == 1

        # A read asked for after a commit sees it, even while an earlier one is under way.
        earlier = asyncio.ensure_future(generations.read())
        await asyncio.sleep(0)
        await session.execute(text("UPDATE entities SET name = 'X' "
                                   "WHERE source_key = 'GB-COH-01234567'"))
        await session.commit()
        assert (await generations.read())["entities"] == answers[0]["entities"] + 1
        await earlier
    finally:
        await pool.close()


async def test_one_computation_for_many_simultaneous_misses(
        app: Litestar, linked: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    from registry.contracts import api as contracts_api

    calls = 0
    real = contracts_api.behind  # type: ignore[attr-defined]

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(contracts_api, "behind", counted)
    # Requests truly at once (the test client would take them one by one).
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport,
                                                 base_url="http://test") as http:
        answers = await asyncio.gather(*(http.get(BEHIND) for _ in range(12)))
        assert {r.status_code for r in answers} == {200}
        assert len({r.content for r in answers}) == 1
        assert calls == 1
        for r in await asyncio.gather(*(http.get(BEHIND) for _ in range(4))):
            assert r.status_code == 200
        assert calls == 1


async def test_draining_the_outbox_touches_only_opensearch_answers(
        session: AsyncSession, demo: dict[str, Any]) -> None:
    from registry.http_cache import POLICIES

    start = await _generations(session)
    assert await session.scalar(text("SELECT count(*) FROM search_outbox"))
    await session.execute(text("DELETE FROM search_outbox"))  # what a drain does
    await session.commit()
    after = await _generations(session)
    assert after == {**start, "index": start["index"] + 1}

    search = POLICIES["searchEntities"]
    assert "index" not in search.depends_on(opensearch=False)
    assert "index" in search.depends_on(opensearch=True)


@pytest.mark.parametrize("path", ["/api/v1/entities/{id}/owners", "/api/v1/entities/{id}/graph",
                                  "/api/v1/entities?limit=5", "/api/v1/contracts?limit=5",
                                  "/api/v1/links?limit=5", "/api/v1/meetings"])
async def test_walks_and_lists_are_stored_until_a_write(
        app: Litestar, client: HttpClient, session: AsyncSession, linked: dict[str, Any],
        path: str) -> None:
    company = await session.scalar(select(Entity.id).where(
        Entity.source_key == "GB-COH-01234567"))
    path = path.format(id=company)
    first = await client.get(path)
    assert first.status_code == 200 and "last-modified" in first.headers, first.text
    # Served from memory: a stored answer changed by hand is what comes back.
    cache: AnswerCache = app.state.http_cache
    entry = cache.get((path.split("?")[0], path.split("?")[1].encode() if "?" in path else b""))
    assert entry is not None
    entry.body = entry.body + b" "
    assert (await client.get(path)).content == first.content + b" "
    # Any write to the public tables (an ownership import on its own connection, say)
    # and the next answer is computed afresh.
    await session.execute(text("UPDATE relationships SET id = id WHERE false"))
    await session.commit()
    assert (await client.get(path)).content == first.content
