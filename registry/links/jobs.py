"""Linking runs: all probes (``registry link``), the entities one import run wrote (after
every ``registry import``), and a registrant just approved.

Every path takes its candidates from ``search.linking.default_candidate_source``, so the
search backend is switched in one place.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from sqlalchemy import select, text, union
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from importers.core.name_keys import build_pending_retrying
from registry.db.engine import make_engine, make_sessionmaker
from registry.links.writer import LinkStats, link_entities
from registry.logging import get_logger
from registry.models import Client, Lobbyist, Registrant
from registry.settings import Settings
from search.backend import IndexedBackend, SearchBackend
from search.factory import make_backend
from search.key_stats import refresh_if_stale
from search.linking import DEFAULT_K, default_candidate_source, probe_ids
from search.options import SearchOptions

log = get_logger("registry.links")

DEFAULT_BATCH = 500
# Batches in flight: candidate search runs in PostgreSQL and scoring in Python, so two keep
# two cores busy.
DEFAULT_WORKERS = 2
DEADLOCK_RETRIES = 3
# A run this large first recounts the common blocking keys if they are stale
# (search/key_stats.py: about 1.5 s at 1M names, repaid by the counting it saves).
STATS_MIN_IDS = 1000

# What an import run wrote: entities it inserted or changed (``upsert_entities`` stamps them
# with the run), and the institutions and officials of the meetings it wrote (a diary
# creates or finds those outside the bulk path).
_RUN_ENTITIES = text("""
SELECT id FROM entities WHERE import_run_id = :run
UNION SELECT institution_id FROM meetings
      WHERE import_run_id = :run AND institution_id IS NOT NULL
UNION SELECT o.entity_id FROM meeting_officials o JOIN meetings m ON m.id = o.meeting_id
      WHERE m.import_run_id = :run AND o.entity_id IS NOT NULL
ORDER BY 1
""")


async def run_entity_ids(session: AsyncSession, run_id: int) -> list[int]:
    return [int(r[0]) for r in await session.execute(_RUN_ENTITIES, {"run": run_id})]


async def run_linking(url: str, entity_ids: Sequence[int] | None, *,
                      batch: int = DEFAULT_BATCH, k: int = DEFAULT_K, run_id: int | None = None,
                      settings: Settings | None = None, progress: bool = True,
                      workers: int = DEFAULT_WORKERS) -> LinkStats:
    """Link ``entity_ids`` (or the entities import run ``run_id`` wrote; with neither, every
    probe entity) in batches of one transaction each: an interrupted run keeps what it
    linked, and a re-run only rewrites what changed. ``workers`` batches run at once, each
    in its own session: while PostgreSQL finds the candidates of one, Python scores
    another."""
    engine = make_engine(url)
    total = LinkStats()
    backend: IndexedBackend | None = None
    try:
        sm = make_sessionmaker(engine)
        if settings is not None and settings.opensearch_url:
            backend = make_backend(settings.search_options, sm)
        async with sm() as session:
            if entity_ids is not None:
                ids = list(entity_ids)
            elif run_id is not None:
                ids = await run_entity_ids(session, run_id)
                probes = await probe_ids(session) if ids else []
                if len(ids) > len(probes):
                    # Every link has a probe on one side (procurement party, registrant,
                    # client, lobbyist), and linking is symmetric: after a large ownership
                    # import, re-linking the fewer probes finds the same pairs sooner.
                    ids = probes
            else:
                ids = await probe_ids(session)
        # Names an interrupted BODS import queued have no blocking keys yet
        # (importers/core/name_keys.py): key them before searching for them or with them.
        async with engine.connect() as conn:
            await build_pending_retrying(conn)
        if len(ids) >= STATS_MIN_IDS:
            async with sm() as session, session.begin():
                await refresh_if_stale(session)
        bar = tqdm(total=len(ids), unit=" entities", desc="link", file=sys.stderr,
                   disable=not progress or None)
        chunks = [ids[start:start + batch] for start in range(0, len(ids), batch)]

        async def worker() -> None:
            while chunks:
                chunk = chunks.pop(0)
                stats = await _link_batch(sm, settings, backend, chunk, k)
                total.add(stats)
                bar.update(len(chunk))
                bar.set_postfix(auto=total.auto, candidate=total.candidate)

        await asyncio.gather(*(worker() for _ in range(max(1, workers))))
        bar.close()
    finally:
        if backend is not None:
            await backend.close()
        await engine.dispose()
    return total


async def _link_batch(sm: async_sessionmaker[AsyncSession], settings: Settings | None,
                      backend: SearchBackend | None, chunk: list[int], k: int) -> LinkStats:
    """One batch, one transaction. Two batches can meet on a pair whose both sides are
    probes; a deadlock between them is retried (PostgreSQL aborted one side of it)."""
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            async with sm() as session, session.begin():
                source = default_candidate_source(session, _options(settings), backend)
                return await link_entities(session, source, chunk, k=k)
        except DBAPIError as error:
            code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
            if code not in ("40P01", "40001") or attempt == DEADLOCK_RETRIES:
                raise
            log.warning("link_batch_retried", reason=code, attempt=attempt + 1)
    raise AssertionError("unreachable")


def _options(settings: Settings | None) -> SearchOptions | None:
    return settings.search_options if settings is not None else None


def describe(stats: LinkStats) -> str:
    return (f"linked {stats.probes:,} entities: {stats.pairs_scored:,} pairs scored, "
            f"{stats.auto:,} auto links, {stats.candidate:,} candidates for review, "
            f"{stats.removed:,} stale links removed")


async def link_registrant(session: AsyncSession, settings: Settings | None,
                          registrant_id: int,
                          backend: SearchBackend | None = None) -> LinkStats | None:
    """Link an approved entry's entity, lobbyists and clients (a few entities), in the
    caller's transaction. Linking is a convenience next to the approval, so it runs in a
    savepoint and a failure is logged rather than undoing the approval."""
    ids = [i for i in (await session.execute(union(
        select(Registrant.entity_id).where(Registrant.id == registrant_id),
        select(Lobbyist.entity_id).where(Lobbyist.registrant_id == registrant_id),
        select(Client.entity_id).where(Client.registrant_id == registrant_id),
    ))).scalars() if i is not None]
    if not ids:
        return None
    try:
        async with session.begin_nested():
            return await link_entities(
                session, default_candidate_source(session, _options(settings), backend), ids)
    except Exception:  # see the docstring: the approval stands
        log.exception("linking after approval failed", registrant_id=registrant_id)
        return None
