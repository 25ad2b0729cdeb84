"""Name keys of a BODS import built on a second connection (migration 0015): once the
import has returned, every name has exactly the trigger's keys and words, the queue is
empty, a crash's queue is emptied by the next import or linking run, and names renamed or
deleted while queued end with exactly their keys."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from importers.bods.importer import import_bods
from importers.core.name_keys import DEFER, build_pending, build_pending_retrying
from registry.entities.bulk import EntityRow, upsert_entities
from registry.links.jobs import run_linking
from registry.models import Dataset
from tests.bods_support import (
    company_details,
    history_statements,
    person_details,
    statement,
    write_json,
)
from tests.name_keys_support import KEYS_MISMATCH

_MISSING_WORDS = """
SELECT count(*) FROM (
    SELECT v.variant, w.tok FROM (
        SELECT DISTINCT t.tok FROM entity_names n
        CROSS JOIN LATERAL unnest(string_to_array(n.normalized, ' ')) AS t(tok)
        WHERE length(t.tok) BETWEEN 4 AND 60) w
    CROSS JOIN LATERAL search_word_variants(w.tok) AS v(variant)
    EXCEPT SELECT variant, word FROM name_words) m
"""

async def _keys_exact(session: AsyncSession) -> int:
    await session.commit()  # a fresh snapshot
    extra, missing, total = (await session.execute(text(KEYS_MISMATCH))).one()
    pending = await session.scalar(text("SELECT count(*) FROM name_keys_pending"))
    assert (extra, missing, pending) == (0, 0, 0)
    assert await session.scalar(text(_MISSING_WORDS)) == 0
    return int(total)


def _many(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        out.append(statement(f"k{i}x", f"k{i}", "entity",
                             company_details(f"Constructora Norte {i} SA")))
        out.append(statement(f"m{i}x", f"m{i}", "person", person_details(f"Maria Gonzalez {i}")))
    return out


async def test_an_import_ends_with_exactly_the_keys_and_words(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    # Small batches: builds overlap the writes, and later batches replace the names of
    # entities of earlier ones (s5 updates c1).
    statements = history_statements() + _many(20)
    path = write_json(tmp_path / "a.json", statements)
    result = await import_bods(database_url, [str(path)], batch_size=3)
    assert result.summary.skipped == 0
    assert await _keys_exact(session) > 40 * 3
    found = await session.scalar(text(
        "SELECT count(DISTINCT k.entity_id) FROM entity_name_keys k "
        "WHERE k.key = 't:constructora'"))
    assert found == 20

    # A re-import changes nothing, keys included.
    before = (await session.execute(text("SELECT count(*) FROM entity_name_keys"))).scalar()
    await import_bods(database_url, [str(path)], batch_size=3)
    assert await _keys_exact(session) == before


async def _queue_names(session: AsyncSession, dataset: str, n: int) -> None:
    """Names committed by a deferring transaction whose builder never ran (a crash)."""
    session.add(Dataset(name=dataset, title=dataset, source="test"))
    await session.flush()
    await session.execute(DEFER)
    await upsert_entities(session, dataset, None, [
        EntityRow(source_key=f"e{i}", kind="company", name=f"Queued Holdings {i % 3} Ltd",
                  statement_id="v1") for i in range(n)])
    await session.commit()


async def test_names_queued_by_a_crash_are_keyed_by_the_next_import(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    await _queue_names(session, "crashed", 12)
    assert await session.scalar(text("SELECT count(*) FROM name_keys_pending")) == 12
    assert await session.scalar(text("SELECT count(*) FROM entity_name_keys")) == 0

    path = write_json(tmp_path / "b.json",
                      [statement("s1", "c1", "entity", company_details("Other"))])
    await import_bods(database_url, [str(path)], "other")
    await _keys_exact(session)
    found = await session.scalar(text(
        "SELECT count(DISTINCT entity_id) FROM entity_name_keys WHERE key = 't:queued'"))
    assert found == 12


async def test_names_queued_by_a_crash_are_keyed_before_linking(
        database_url: str, session: AsyncSession) -> None:
    # `registry link`, and the linking at the end of every import (OCDS, PSC, meetings
    # too), must not search without the names an interrupted BODS import queued.
    await _queue_names(session, "crashed", 6)
    await run_linking(database_url, [], progress=False)
    await _keys_exact(session)


async def test_names_renamed_or_deleted_while_queued(session: AsyncSession) -> None:
    await _queue_names(session, "q", 10)
    await session.execute(text(
        "UPDATE entity_names SET normalized = 'renamed while queued' "
        "WHERE id IN (SELECT id FROM entity_names ORDER BY id LIMIT 3)"))
    # An update that keeps the normalised form takes the name off the queue as well.
    await session.execute(text(
        "UPDATE entity_names SET type = 'alternative' "
        "WHERE id IN (SELECT id FROM entity_names ORDER BY id LIMIT 2 OFFSET 3)"))
    await session.execute(text(
        "DELETE FROM entity_names WHERE id IN (SELECT id FROM entity_names ORDER BY id DESC "
        "LIMIT 2)"))
    await session.commit()
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as conn:
        # Updated names were keyed by the update trigger; deleted ones are dropped.
        assert await build_pending(conn) == 3
    await _keys_exact(session)


async def test_a_build_waits_for_a_queued_name_being_renamed(session: AsyncSession) -> None:
    await _queue_names(session, "q", 4)
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as renamer, engine.connect() as builder:
        await renamer.begin()
        # Takes its name off the queue, not committed yet: the build waits for it (its lock
        # waits end by lock_timeout and are retried) and then leaves that name alone.
        await renamer.execute(text(
            "UPDATE entity_names SET normalized = 'held while queued' "
            "WHERE id = (SELECT min(id) FROM entity_names)"))
        build = asyncio.create_task(build_pending_retrying(builder))
        await asyncio.sleep(0.5)
        assert not build.done()
        await renamer.commit()
        assert await build == 3
    await _keys_exact(session)
