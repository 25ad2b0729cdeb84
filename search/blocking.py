"""Candidate generation by blocking keys (migration 0010): the record-linkage way.

Every name has keys in ``entity_name_keys``: its tokens and their metaphones, written by
triggers in the same transaction as the name. The query's keys are derived in SQL by the
same function (``search_name_keys``), so both sides always agree. For each query key, the
btree yields at most ``cap + 1`` entities; a key found more often than ``cap`` (legal forms,
"trade", "group") is skipped, and the others weigh ``ln(1 + cap / df)`` (IDF). The entities
sharing the most weight form a short list; only that list is filtered (kind, country,
dataset) and re-ranked by trigram similarity. Queries whose keys find nothing (one typo'd
token, every token frequent) fall back to the trigram index, in a second round trip for
those queries only.

``candidates_many`` answers a few hundred queries in one round trip (``unnest`` +
``LATERAL``); it runs in the caller's session, so a linker sees its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .backend import Candidate, CandidateQuery
from .normalize import normalize_name

# A key met in more names than this is too common to block on.
KEY_CAP = 1000
# Entities kept per query after the key stage (before filters and the re-rank).
SHORT_LIST = 300

_QUERIES = """
unnest(CAST(:names AS text[]), CAST(:kinds AS text[]), CAST(:countries AS text[]),
       CAST(:datasets AS text[]), CAST(:limits AS int[])) WITH ORDINALITY
    AS q(name, kind, country, dataset, lim, i)
"""

_COUNTRY = {
    # A probe of unknown country, or a target of unknown country, still meets.
    True: "(q.country IS NULL OR e.country IS NULL OR e.country = q.country)",
    False: "(q.country IS NULL OR e.country = q.country)",
}

# The key stage for one query ``q`` (a LATERAL subquery): entity ids by summed key weight.
KEY_HITS = """
SELECT y.entity_id, sum(y.w) AS kscore
FROM (
    SELECT DISTINCT ON (z.key, z.entity_id) z.key, z.entity_id,
           ln(1 + {cap}::float8 / z.df) AS w
    FROM (
        SELECT kk.key, h.entity_id, count(*) OVER (PARTITION BY kk.key) AS df
        FROM unnest(search_name_keys({q})) AS kk(key)
        CROSS JOIN LATERAL (
            SELECT x.entity_id FROM entity_name_keys x WHERE x.key = kk.key LIMIT {cap} + 1
        ) h
    ) z
    WHERE z.df <= {cap}
) y
GROUP BY y.entity_id
ORDER BY kscore DESC, y.entity_id
LIMIT {short}
"""

_BLOCKED = """
SELECT q.i, c.entity_id, c.score
FROM {queries}
CROSS JOIN LATERAL (
    SELECT r.entity_id, r.score FROM (
        SELECT s.entity_id,
               (SELECT max(similarity(n.normalized, q.name)) FROM entity_names n
                WHERE n.entity_id = s.entity_id) AS score
        FROM (
            SELECT kh.entity_id, kh.kscore
            FROM ({key_hits}) kh JOIN entities e ON e.id = kh.entity_id
            WHERE (q.kind IS NULL OR e.kind = q.kind) AND {country}
              AND (q.dataset IS NULL OR e.dataset <> q.dataset)
            ORDER BY kh.kscore DESC, kh.entity_id
            LIMIT greatest(q.lim * 5, 30)
        ) s
    ) r
    WHERE r.score >= :min_sim
    ORDER BY r.score DESC, r.entity_id
    LIMIT q.lim
) c
"""

_TRIGRAM = """
SELECT q.i, c.entity_id, c.score
FROM {queries}
CROSS JOIN LATERAL (
    SELECT n.entity_id, max(similarity(n.normalized, q.name)) AS score
    FROM entity_names n JOIN entities e ON e.id = n.entity_id
    WHERE n.normalized % q.name
      AND (q.kind IS NULL OR e.kind = q.kind) AND {country}
      AND (q.dataset IS NULL OR e.dataset <> q.dataset)
    GROUP BY n.entity_id
    ORDER BY score DESC, n.entity_id
    LIMIT q.lim
) c
"""


_KEYLESS = """
SELECT q.i FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS q(name, i)
WHERE NOT EXISTS (
    SELECT 1 FROM unnest(search_name_keys(q.name)) AS kk(key)
    WHERE (SELECT count(*) FROM (SELECT 1 FROM entity_name_keys x WHERE x.key = kk.key
                                 LIMIT {cap} + 1) c) BETWEEN 1 AND {cap}
)
"""


def key_hits_sql(q: str, *, cap: int = KEY_CAP, short: int = SHORT_LIST) -> str:
    """The key stage as SQL over the text expression ``q`` (already normalised)."""
    return KEY_HITS.format(q=q, cap=int(cap), short=int(short))


async def candidates_many(session: AsyncSession, queries: Sequence[CandidateQuery], *,
                          min_similarity: float = 0.3, null_country_matches: bool = False,
                          cap: int = KEY_CAP, use_keys: bool = True) -> list[list[Candidate]]:
    """Top ``limit`` candidates of each query, best first (score: trigram similarity of the
    normalised names). Two round trips at most, whatever the number of queries.
    ``use_keys=False`` is the trigram index alone (the benchmarks' baseline)."""
    out: list[list[Candidate]] = [[] for _ in queries]
    names = [normalize_name(q.name) for q in queries]
    todo = [i for i, n in enumerate(names) if n]
    if not todo:
        return out
    country = _COUNTRY[null_country_matches]
    blocked = _BLOCKED.format(queries=_QUERIES, country=country,
                              key_hits=key_hits_sql("q.name", cap=cap, short=SHORT_LIST))
    if use_keys:
        await _run(session, blocked, queries, names, todo, out, min_similarity)
    empty = [i for i in todo if not out[i]]
    if empty and use_keys:
        # Keys that found entities which the filters then removed say "no candidate"; only
        # queries whose keys found nothing at all are worth the trigram index.
        rows = await session.execute(text(_KEYLESS.format(cap=int(cap))),
                                     {"names": [names[i] for i in empty]})
        empty = [empty[int(r[0]) - 1] for r in rows]
    if empty:
        await session.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
            {"t": str(min_similarity)})
        await _run(session, _TRIGRAM.format(queries=_QUERIES, country=country),
                   queries, names, empty, out, min_similarity)
    return out


async def _run(session: AsyncSession, sql: str, queries: Sequence[CandidateQuery],
               names: list[str], which: list[int], out: list[list[Candidate]],
               min_similarity: float) -> None:
    rows = await session.execute(text(sql), {
        "names": [names[i] for i in which],
        "kinds": [queries[i].kind for i in which],
        "countries": [_upper(queries[i].country) for i in which],
        "datasets": [queries[i].exclude_dataset for i in which],
        "limits": [queries[i].limit for i in which],
        "min_sim": min_similarity,
    })
    for i, entity_id, score in rows:
        out[which[i - 1]].append(Candidate(entity_id=int(entity_id), score=float(score)))


def _upper(country: str | None) -> str | None:
    return country.upper() if country else None


class BlockingCandidates:
    """The PostgreSQL candidate source for linking, in the caller's session."""

    name = "postgres"

    def __init__(self, session: AsyncSession, *, min_similarity: float = 0.3,
                 use_keys: bool = True) -> None:
        self.session = session
        self.min_similarity = min_similarity
        self.use_keys = use_keys

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        return (await self.candidates_many([query]))[0]

    async def candidates_many(self, queries: Sequence[CandidateQuery]) -> list[list[Candidate]]:
        return await candidates_many(self.session, queries, min_similarity=self.min_similarity,
                                     null_country_matches=True, use_keys=self.use_keys)
