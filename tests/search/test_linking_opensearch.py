"""Linking with OpenSearch configured: candidates come from the long-lived backend the caller
owns (a client per call leaked its connections), and ``registry link``'s runner opens one
backend for the run and closes it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.links.jobs import run_linking
from registry.links.writer import link_entities
from registry.models import Entity, Link
from registry.settings import Settings
from search.blocking import BlockingCandidates
from search.linking import default_candidate_source, probe_ids
from search.opensearch import OpenSearchBackend

pytestmark = pytest.mark.opensearch


async def _link(session: AsyncSession, source_key: str, other_key: str) -> Link | None:
    ids = {k: i for k, i in await session.execute(select(Entity.source_key, Entity.id))}
    a, b = ids[source_key], ids[other_key]
    link: Link | None = await session.scalar(
        select(Link).where(Link.left_id == min(a, b), Link.right_id == max(a, b)))
    return link


async def test_linking_takes_name_candidates_from_opensearch(
        opensearch_url: str, settings: Settings, demo: dict[str, Any],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    configured = dataclasses.replace(settings, opensearch_url=opensearch_url,
                                     index_prefix=f"test-{uuid.uuid4().hex[:10]}")
    # No fallback wrapper: if OpenSearch could not answer, this test fails.
    backend = OpenSearchBackend(opensearch_url, sessionmaker, prefix=configured.index_prefix,
                                refresh=True)
    try:
        await backend.rebuild()
        async with sessionmaker() as session:
            source = default_candidate_source(session, configured, backend)
            assert source is backend
            # Without OpenSearch configured, the given backend is not used: PostgreSQL
            # answers in the caller's session (and transaction).
            assert isinstance(default_candidate_source(session, settings, backend),
                              BlockingCandidates)
            stats = await link_entities(session, source, await probe_ids(session))
            await session.commit()
            assert stats.pairs_scored > 0
            # A pair the demo links by name alone: no shared identifier to find it.
            link = await _link(session, "ocds-demo-0003/mueller", "DE-CR-HRB-12345-B")
            assert link is not None and link.method == "name"
    finally:
        await backend.delete_all()
        await backend.close()


async def test_registry_link_runs_on_opensearch(opensearch_url: str, settings: Settings,
                                               database_url: str, demo: dict[str, Any],
                                               sessionmaker: async_sessionmaker[AsyncSession]
                                               ) -> None:
    configured = dataclasses.replace(settings, opensearch_url=opensearch_url,
                                     index_prefix=f"test-{uuid.uuid4().hex[:10]}")
    backend = OpenSearchBackend(opensearch_url, sessionmaker, prefix=configured.index_prefix,
                                refresh=True)
    try:
        await backend.rebuild()
        stats = await run_linking(database_url, None, settings=configured, progress=False)
        assert stats.probes > 0 and stats.auto > 0
        async with sessionmaker() as session:
            assert await _link(session, "ocds-demo-0003/mueller", "DE-CR-HRB-12345-B")
    finally:
        await backend.delete_all()
        await backend.close()
