"""The outbox: every write queues its entities in the same transaction; the worker drains it;
OpenSearch being down loses nothing; a rebuild swaps the alias."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import uuid
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.app import create_app
from registry.entities.bulk import EntityRow, upsert_entities
from registry.entities.write import set_identifiers
from registry.models import Dataset, Entity
from registry.settings import Settings
from search import outbox
from search.backend import CandidateQuery, IndexedBackend, SearchQuery
from search.factory import FallbackBackend, make_backend
from search.opensearch import OpenSearchBackend
from search.sync import drain, drain_once, rebuild

SM = async_sessionmaker[AsyncSession]


async def queued(sm: SM) -> list[int]:
    async with sm() as session:
        rows = await session.execute(text("SELECT entity_id FROM search_outbox ORDER BY id"))
        return [r.entity_id for r in rows]


def _dead_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


async def _bulk(sm: SM, rows: list[EntityRow]) -> dict[str, int]:
    async with sm() as session, session.begin():
        if await session.get(Dataset, "bulk-test") is None:
            session.add(Dataset(name="bulk-test"))
            await session.flush()
        return (await upsert_entities(session, "bulk-test", None, rows)).ids


async def test_every_kind_of_write_is_queued_once_per_transaction(sessionmaker: SM) -> None:
    rows = [EntityRow(source_key=f"k{i}", kind="company", name=f"Company {i} Ltd",
                      statement_id="v1", names=[(f"Firma {i}", "alternative")],
                      identifiers=[("GB-COH", f"{i:08d}")]) for i in range(1, 4)]
    ids = await _bulk(sessionmaker, rows)
    # Entity insert + names + identifiers in one transaction: one row per entity.
    assert sorted(await queued(sessionmaker)) == sorted(ids.values())

    async with sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM search_outbox"))
    # Unchanged versions write nothing, so queue nothing.
    await _bulk(sessionmaker, rows)
    assert await queued(sessionmaker) == []
    # A new version of one record queues that entity only.
    # (a new row: a row is encoded once, when first written, and must not change afterwards)
    rows[0] = dataclasses.replace(rows[0], statement_id="v2", name="Company One Limited",
                                  encoded=None)
    await _bulk(sessionmaker, rows)
    assert await queued(sessionmaker) == [ids["k1"]]

    # ORM writes to a child table alone, and deletes, are queued too.
    async with sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM search_outbox"))
        entity = await session.get(Entity, ids["k2"])
        assert entity is not None
        set_identifiers(entity, [{"scheme": "GB-COH", "id": "99999999"}])
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(Entity).where(Entity.id == ids["k3"]))
    assert await queued(sessionmaker) == [ids["k2"], ids["k3"]]

    # A write that rolls back queues nothing.
    async with sessionmaker() as session:
        await session.execute(update(Entity).where(Entity.id == ids["k1"]).values(name="X"))
        await session.rollback()
    assert await queued(sessionmaker) == [ids["k2"], ids["k3"]]


async def test_bulk_writer_skips_only_its_own_children(sessionmaker: SM) -> None:
    """The bulk writer tells the child triggers that its entities are queued already
    (migration 0018); any other child written later in the same transaction is still
    queued, and the next transaction starts without the setting."""
    ids = await _bulk(sessionmaker, [EntityRow(source_key="old", kind="company",
                                               name="Old Company Ltd", statement_id="v1")])
    async with sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM search_outbox"))
    async with sessionmaker() as session, session.begin():
        new = (await upsert_entities(session, "bulk-test", None, [EntityRow(
            source_key="new", kind="company", name="New Company Ltd", statement_id="v1",
            identifiers=[("GB-COH", "00000001")])])).ids
        entity = await session.get(Entity, ids["old"])
        assert entity is not None
        set_identifiers(entity, [{"scheme": "GB-COH", "id": "00000002"}])
    assert sorted(await queued(sessionmaker)) == sorted([new["new"], ids["old"]])

    async with sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM search_outbox"))
        await session.execute(text("DELETE FROM entity_identifiers WHERE entity_id = :i"),
                              {"i": new["new"]})
    assert await queued(sessionmaker) == [new["new"]]


async def test_opensearch_down_falls_back_and_keeps_the_outbox(
        demo: dict[str, Any], settings: Settings, sessionmaker: SM) -> None:
    down = make_backend(dataclasses.replace(settings, opensearch_url=_dead_url()), sessionmaker)
    assert isinstance(down, FallbackBackend)
    try:
        before = await queued(sessionmaker)
        assert before  # the demo's writes are waiting
        result = await down.search(SearchQuery(q="acme constrution"))
        assert result.served_by == "postgres" and len(result.hits) == 2
        assert await down.candidates(CandidateQuery(name="Acme Construction Ltd"))
        assert not await down.health()
        with pytest.raises(Exception):  # noqa: B017 - whatever the transport raises
            await drain_once(sessionmaker, down)
        assert await queued(sessionmaker) == before  # nothing lost
    finally:
        await down.close()


@pytest.mark.opensearch
async def test_no_index_yet_falls_back_for_that_search_only(
        demo: dict[str, Any], settings: Settings, sessionmaker: SM, opensearch_url: str) -> None:
    """Before the worker has made the index, OpenSearch answers 404 and PostgreSQL serves the
    search; the cluster is up, so the search after the index appears is OpenSearch's (it
    used to be skipped for ``retry_after`` seconds like a dead cluster)."""
    cfg = dataclasses.replace(settings, opensearch_url=opensearch_url,
                              index_prefix=f"test-{uuid.uuid4().hex[:10]}")
    backend = make_backend(cfg, sessionmaker, refresh=True)
    assert isinstance(backend, FallbackBackend)
    try:
        assert (await backend.search(SearchQuery(q="acme"))).served_by == "postgres"
        await drain(sessionmaker, backend)
        result = await backend.search(SearchQuery(q="acme"))
        assert result.served_by == "opensearch" and result.hits
    finally:
        await backend.primary.delete_all()
        await backend.close()


@pytest.mark.opensearch
async def test_rebuild_swaps_the_alias_and_catches_up(
        demo: dict[str, Any], settings: Settings, sessionmaker: SM, opensearch_url: str) -> None:
    cfg = dataclasses.replace(settings, opensearch_url=opensearch_url,
                              index_prefix=f"rebuild-{uuid.uuid4().hex[:10]}")
    backend = make_backend(cfg, sessionmaker, refresh=True)
    assert isinstance(backend, FallbackBackend)
    primary: OpenSearchBackend = backend.primary
    try:
        count = await rebuild(sessionmaker, backend)
        async with sessionmaker() as session:
            assert count == (await session.execute(text("SELECT count(*) FROM entities"))
                             ).scalar()
        assert await queued(sessionmaker) == []  # the rebuild covered what was queued
        first = (await primary.describe())["indices"]
        assert len(first) == 1
        assert (await backend.search(SearchQuery(q="Muller Bau"))).served_by == "opensearch"

        async with sessionmaker() as session, session.begin():
            await session.execute(update(Entity).where(Entity.name == "Hans Müller")
                                  .values(name="Hans Mueller-Lüdenscheidt"))
        await rebuild(sessionmaker, backend)
        info = await primary.describe()
        assert len(info["indices"]) == 1 and info["indices"] != first  # old one dropped
        assert info["documents"] == count
        result = await backend.search(SearchQuery(q="ludenscheidt"))
        assert result.served_by == "opensearch" and len(result.hits) == 1
    finally:
        await primary.delete_all()
        await backend.close()


async def test_worker_inside_the_app_drains_the_outbox(
        demo: dict[str, Any], settings: Settings, database_url: str, sessionmaker: SM) -> None:
    app = create_app(dataclasses.replace(settings, sync_worker=True), database_url)
    async with AsyncTestClient(app=app):
        for _ in range(100):
            if not await queued(sessionmaker):
                break
            await asyncio.sleep(0.05)
        assert await queued(sessionmaker) == []
        async with sessionmaker() as session:
            status = await outbox.status(session)
        assert status.rows == 0 and status.lag_seconds == 0.0


async def test_several_workers_share_the_outbox(demo: dict[str, Any], sessionmaker: SM,
                                                backend: IndexedBackend) -> None:
    total = len(set(await queued(sessionmaker)))
    done = await asyncio.gather(*(drain(sessionmaker, backend, batch=3) for _ in range(3)))
    assert sum(done) >= total  # every entity indexed, none lost
    assert await queued(sessionmaker) == []


def test_index_commands(database_url: str, demo: dict[str, Any], tmp_path: Any) -> None:
    from registry.cli import cli

    env = {"REGISTRY_DATABASE_URL": database_url, "REGISTRY_DATA_DIR": str(tmp_path),
           "REGISTRY_LOG_FORMAT": "console"}
    runner = CliRunner()
    status = runner.invoke(cli, ["index", "status"], env=env)
    assert status.exit_code == 0, status.output
    info = json.loads(status.stdout)
    assert info["backend"] == "postgres" and info["outbox"]["entities"] == 22
    synced = runner.invoke(cli, ["index", "sync"], env=env)
    assert synced.exit_code == 0, synced.output
    assert "Indexed 22 entities" in synced.stderr
    assert json.loads(runner.invoke(cli, ["index", "status"], env=env).stdout
                      )["outbox"]["rows"] == 0
    rebuilt = runner.invoke(cli, ["index", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
