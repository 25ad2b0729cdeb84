"""What a real OpenSearch does that the emulator did not: limits and leftovers.

These run on whatever ``opensearch_url`` gives (see ``tests/opensearch_node.py``); they were
written against a real 2.19 node, where each of them failed before its fix.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset
from search.backend import CandidateQuery, SearchQuery
from search.documents import Document
from search.opensearch import OpenSearchBackend
from tests.opensearch_node import engine

pytestmark = pytest.mark.opensearch


@pytest.fixture
async def os_backend(opensearch_url: str, sessionmaker: async_sessionmaker[AsyncSession]
                     ) -> AsyncIterator[OpenSearchBackend]:
    backend = OpenSearchBackend(opensearch_url, sessionmaker,
                                prefix=f"test-{uuid.uuid4().hex[:10]}", refresh=True)
    try:
        yield backend
    finally:
        await backend.delete_all()
        await backend.close()


def _doc(entity_id: int, name: str) -> Document:
    return {"entity_id": entity_id, "kind": "company", "country": "GB", "dataset": "t",
            "name": name, "names": [name], "name_norm": [name], "identifiers": [],
            "ident_keys": []}  # type: ignore[typeddict-item]


async def test_a_long_query_stays_under_the_clause_limit(os_backend: OpenSearchBackend) -> None:
    """Every fuzzy word expands to up to 50 terms of the index, and a real cluster refuses a
    query of more than 1,024 clauses (a 500, which would also send every search to the
    fallback for a while). 28 words of a dense vocabulary, within the API's 200 characters,
    used to be refused; so was a 3,000-character name asking for link candidates."""
    rng = random.Random(7)
    words = ["".join(rng.choice("abcd") for _ in range(6)) for _ in range(3000)]
    await os_backend.ensure_index()
    await os_backend._bulk(os_backend.alias,
                           [_doc(i, " ".join(rng.sample(words, 3))) for i in range(3000)])
    query = " ".join(words[:28])
    assert len(query) <= 200
    result = await os_backend.search(SearchQuery(q=query))
    assert result.served_by == "opensearch"
    short = await os_backend.search(SearchQuery(q=" ".join(words[:2])))
    assert short.total > 0  # the bound does not get in the way of ordinary queries
    long_name = " ".join(rng.choice(words) for _ in range(430))
    assert len(long_name) > 3000
    await os_backend.candidates(CandidateQuery(name=long_name))


async def test_the_index_is_green_on_a_single_node(os_backend: OpenSearchBackend) -> None:
    """One replica by default could never be placed on a single node: the index (and the
    cluster) stayed yellow. Replicas expand with the nodes instead."""
    if engine() == "osmem":
        pytest.skip("osmem-server has no shards to place")
    await os_backend.ensure_index()
    nodes = (await os_backend.client.cluster.health())["number_of_data_nodes"]
    health = await os_backend.client.cluster.health(index=os_backend.alias,
                                                    wait_for_status="green")
    assert health["status"] == "green" and not health["timed_out"]
    assert health["active_shards"] == min(nodes, 2)


async def test_delete_all_removes_what_a_dead_rebuild_left(
        os_backend: OpenSearchBackend) -> None:
    """A rebuild whose process died leaves its index outside the alias; ``delete_all``
    (``registry index`` and the tests' cleanup) removes it too, and nothing else."""
    await os_backend.ensure_index()
    stray = os_backend._new_index_name()
    other = f"{os_backend.alias}-not-ours"
    await os_backend.client.indices.create(index=stray)
    await os_backend.client.indices.create(index=other)
    try:
        await os_backend.delete_all()
        left = await os_backend.client.cat.indices(index=f"{os_backend.alias}-*",
                                                   format="json", h="index")
        assert [r["index"] for r in left] == [other]
        assert not await os_backend.client.indices.exists_alias(name=os_backend.alias)
    finally:
        await os_backend.client.indices.delete(index=other, ignore_unavailable=True)


async def test_searches_keep_answering_through_a_rebuild(
        os_backend: OpenSearchBackend, demo: dict[str, Any],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """``registry index rebuild`` swaps the alias while searches come in: each of them
    answers in full, from the old index or the new one, never from neither (no moment when
    the alias points nowhere, no search cut short by the old index's deletion)."""
    await os_backend.rebuild()
    # The searches come from another client, as the app's do while the command rebuilds (a
    # shared client's connection pool would make the rebuild queue behind the searches).
    app = OpenSearchBackend(os_backend.url, sessionmaker,
                            prefix=os_backend.alias.removesuffix("-entities"))
    queries = ["acme", "muller", "acme construction"]
    expected = {q: (await app.search(SearchQuery(q=q, limit=50))).total for q in queries}
    assert all(expected.values())
    raw = app.client.search
    problems: list[str] = []
    indices: list[set[str]] = []
    answered = 0

    async def search(*args: Any, **kwargs: Any) -> Any:
        res = await raw(*args, **kwargs)
        if res["_shards"]["failed"] or res.get("timed_out"):
            problems.append(f"shards: {res['_shards']}")
        indices.append({h["_index"] for h in res["hits"]["hits"]})
        return res

    app.client.search = search  # type: ignore[method-assign]
    done = asyncio.Event()

    async def searcher(k: int) -> None:
        nonlocal answered
        i = k
        while not done.is_set():
            q = queries[i % len(queries)]
            try:
                result = await app.search(SearchQuery(q=q, limit=50))
                if result.total != expected[q]:
                    problems.append(f"{q!r}: {result.total} of {expected[q]}")
            except Exception as exc:  # every failure is a finding
                problems.append(f"{q!r}: {type(exc).__name__}: {exc}"[:300])
            answered += 1
            i += 1

    async def rebuilds() -> None:
        try:
            for _ in range(5):
                await os_backend.rebuild()
        finally:
            done.set()

    try:
        await asyncio.gather(rebuilds(), *(searcher(k) for k in range(8)))
    finally:
        await app.close()
    assert answered > 40
    assert not problems, f"{len(problems)} of {answered} searches: {problems[:5]}"
    assert all(len(found) == 1 for found in indices)  # one index per answer, never two
    assert len({i for found in indices for i in found}) >= 3  # several swaps were seen
    assert len(await os_backend._alias_targets()) == 1
    assert len(await os_backend._own_indices()) == 1


async def test_a_failed_rebuild_leaves_the_alias_and_no_index_behind(
        os_backend: OpenSearchBackend, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A rebuild keeps bulk requests in flight; when the node refuses a document in the
    last batch while another bulk may still be in flight, the rebuild fails, searches stay
    on the old index, and no index of its own is left behind."""
    async with sessionmaker() as session, session.begin():
        session.add(Dataset(name="t"))
    rows = [EntityRow(source_key=f"e{i}", kind="company", name=f"Company {i} Trading Ltd",
                      statement_id="v1", country="GB", identifiers=[("GB-COH", f"{i:08d}")])
            for i in range(4500)]
    async with sessionmaker() as session, session.begin():
        result = await upsert_entities(session, "t", None, rows)
    await os_backend.rebuild()
    before = await os_backend._alias_targets()
    # A keyword longer than Lucene's 32,766 bytes: the node refuses the document.
    async with sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE entity_identifiers SET value = repeat('x', 40000) "
                                   "WHERE entity_id = :id"), {"id": result.ids["e4499"]})
    with pytest.raises(RuntimeError, match="refused 1 documents"):
        await os_backend.rebuild()
    assert await os_backend._alias_targets() == before
    assert (await os_backend.client.count(index=os_backend.alias))["count"] == 4500
    await asyncio.sleep(1)  # a bulk that outlived the delete would make the index again
    assert await os_backend._own_indices() == before
