"""TEMPORARY candidate source for linking: PostgreSQL trigram similarity on entity names.

Phase-1 stand-in, to be replaced at merge by ``SearchBackend.candidates`` (search/backend.py),
which implements the same ``candidates(CandidateQuery)`` method for PostgreSQL and OpenSearch.
Kept tiny on purpose. ``candidates_many`` answers a batch of queries in one round trip; the
linker uses it when a source has it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.backend import Candidate, CandidateQuery
from search.normalize import normalize_name

_BATCH = text("""
SELECT q.i, c.entity_id, c.sim
FROM unnest(CAST(:names AS text[]), CAST(:kinds AS text[]), CAST(:countries AS text[]),
            CAST(:datasets AS text[]), CAST(:limits AS int[])) WITH ORDINALITY
     AS q(name, kind, country, dataset, lim, i)
CROSS JOIN LATERAL (
    SELECT n.entity_id, max(similarity(n.normalized, q.name)) AS sim
    FROM entity_names n JOIN entities e ON e.id = n.entity_id
    WHERE n.normalized % q.name
      AND (q.kind IS NULL OR e.kind = q.kind)
      AND (q.country IS NULL OR e.country IS NULL OR e.country = q.country)
      AND (q.dataset IS NULL OR e.dataset <> q.dataset)
    GROUP BY n.entity_id
    ORDER BY sim DESC
    LIMIT q.lim
) c
""")


class TrigramCandidates:
    name = "trigram"

    def __init__(self, session: AsyncSession, *, threshold: float = 0.45) -> None:
        self.session = session
        self.threshold = threshold

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        return (await self.candidates_many([query]))[0]

    async def candidates_many(self, queries: Sequence[CandidateQuery]) -> list[list[Candidate]]:
        out: list[list[Candidate]] = [[] for _ in queries]
        if not queries:
            return out
        await self.session.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
            {"t": str(self.threshold)})
        rows = await self.session.execute(_BATCH, {
            "names": [normalize_name(q.name) for q in queries],
            "kinds": [q.kind for q in queries],
            "countries": [q.country for q in queries],
            "datasets": [q.exclude_dataset for q in queries],
            "limits": [q.limit for q in queries],
        })
        for i, entity_id, sim in rows:
            out[i - 1].append(Candidate(entity_id=entity_id, score=float(sim)))
        return out
