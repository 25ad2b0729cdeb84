"""The list of common blocking keys (migration 0016, search/key_stats.py): a fresh list
changes no search result, a listed key is skipped without counting, and the list is
refreshed when names have grown by a tenth."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset
from search.backend import CandidateQuery
from search.blocking import candidates_many, key_state_sql
from search.key_stats import STATS_MIN_DF, refresh_if_stale, refresh_key_stats

TRADES = ["Obras", "Servicios", "Ingenieria", "Transportes", "Limpiezas", "Montajes"]


async def _register(session: AsyncSession, n: int, start: int = 0) -> dict[str, int]:
    if await session.get(Dataset, "reg") is None:
        session.add(Dataset(name="reg"))
        await session.flush()
    # Every name has the common word "Iberica" (more than STATS_MIN_DF names) and one
    # made-up word of its own.
    rows = [EntityRow(source_key=f"k{i}", kind="company", country="ES",
                      name=f"Iberica {TRADES[i % len(TRADES)]} Zor{i:04d}x S.L.",
                      statement_id=f"v{i}") for i in range(start, start + n)]
    result = await upsert_entities(session, "reg", None, rows)
    await session.commit()
    return dict(result.ids)


QUERIES = [CandidateQuery(name=q, kind="company", country="ES", limit=5) for q in (
    "IBERICA OBRAS ZOR0006X SL", "Iberica Servicios Zor0013x", "Iberica Montajes",
    "Iberica Transportes Zor0099x Sociedad Limitada", "Nada Parecido Aqui",
    # Only a key listed below the higher caps: found by the pass of cap 250, which must
    # count it live rather than take it as common.
    "Iberica")]


async def test_a_fresh_list_of_common_keys_changes_no_result(session: AsyncSession) -> None:
    await _register(session, 3 * STATS_MIN_DF)
    before = await candidates_many(session, QUERIES, min_similarity=0.3)
    listed = await refresh_key_stats(session)
    await session.commit()
    assert listed > 0
    assert "t:iberica" in set(await session.scalars(text("SELECT key FROM name_key_stats")))
    after = await candidates_many(session, QUERIES, min_similarity=0.3)
    assert after == before
    assert before[0] and before[0][0].score > 0.5  # the queries do find their names
    assert before[-1]


async def test_a_key_listed_above_the_cap_is_skipped_without_counting(
        session: AsyncSession) -> None:
    ids = await _register(session, 20)
    query = [CandidateQuery(name="Zor0007x", kind="company", country="ES", limit=5)]
    [found] = await candidates_many(session, query, min_similarity=0.25)
    assert [c.entity_id for c in found] == [ids["k7"]]
    # A stale list that calls the name's only rare word common: the key stage believes it
    # (that is what saves the counting), so the word no longer blocks.
    await session.execute(text("INSERT INTO name_key_stats (key, df) "
                               "SELECT key, 100000 FROM entity_name_keys k "
                               "JOIN entities e ON e.id = k.entity_id "
                               "WHERE e.source_key = 'k7'"))
    [found] = await candidates_many(session, query, min_similarity=0.25, cap=1000)
    assert ids["k7"] not in [c.entity_id for c in found]


async def test_the_list_is_refreshed_when_names_grow_by_a_tenth(
        session: AsyncSession) -> None:
    await _register(session, 100)
    assert await refresh_if_stale(session)  # never refreshed
    await session.commit()
    assert not await refresh_if_stale(session)
    await session.commit()
    await _register(session, 3, start=100)  # 3% more names: still current
    assert not await refresh_if_stale(session)
    await session.commit()
    await _register(session, 30, start=200)
    assert await refresh_if_stale(session)
    await session.commit()
    df = await session.scalar(text("SELECT df FROM name_key_stats WHERE key = 't:iberica'"))
    assert df == 133


async def test_key_state_tells_common_from_unknown_keys(session: AsyncSession) -> None:
    # What sends a query that found nothing to the wide key stage (1: some key too common
    # for the cap) or to the trigram index (0: no key known at all); the common-key list
    # must not change it.
    await _register(session, STATS_MIN_DF + 10)

    async def state(keys: list[str]) -> float:
        value = await session.scalar(text(
            f"SELECT ({key_state_sql('CAST(:keys AS text[])', 10)})"), {"keys": keys})
        return float(value)

    for listed in (False, True):
        if listed:
            await refresh_key_stats(session)
        assert await state(["t:iberica", "t:nosuchword"]) == 1  # 60 names > cap 10
        assert await state(["t:nosuchword", "t:nadie"]) == 0
        assert await state(["t:zor0007x"]) == 0.5  # known and rare: the filters removed it
        assert await state([]) == 0
