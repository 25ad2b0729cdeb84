"""The default backend: PostgreSQL itself, no extra service.

Names are matched in two stages: the blocking keys of the query (search/blocking.py: tokens,
metaphones, neighbour pairs, IDF-weighted, misspelt words corrected against the vocabulary)
give a short list of entities, and pg_trgm's word similarity is computed over their names
only. When the keys find nothing, the same second chances as for linking candidates apply
(a wider key cap for names of common words; the trigram index only when no word of the
query is known). Totals and facets count within the short list (``SEARCH_SHORT_LIST``).
Identifiers are matched on the expression index ``search_identifier_key(scheme, value)``.
Ranking adds a full-text component (``ts_rank`` over the normalised name: whole-word
matches rank above partial ones). The tables are the index: ``index_entities`` has nothing to write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import blocking
from .backend import (
    Candidate,
    CandidateQuery,
    Hit,
    SearchQuery,
    SearchResult,
    decode_cursor,
    encode_cursor,
)
from .corrections import readings
from .highlight import highlight_names
from .idkey import query_keys
from .key_stats import refresh_key_stats
from .normalize import normalize_name

# Word similarity of the query to the best-matching stretch of a name: 0.5 keeps
# "acme constrution" -> "acme construction llc" and drops unrelated names.
WORD_SIMILARITY = 0.5
# Similarity of whole names for linking candidates (pg_trgm's default).
SIMILARITY = 0.3
# Entities the key stage of a search keeps (totals and facets count within them).
SEARCH_SHORT_LIST = 500
IDENTIFIER_SCORE = 2.0
# Entities a query answers with when its keys found names but none close as a whole.
LOOSE_SHORT_LIST = 20
FACETS = ("kind", "country", "dataset")

_SEARCH = """
WITH query_keys AS MATERIALIZED (
    SELECT search_query_keys(CAST(:readings AS text[])) AS keys
),
keyed AS MATERIALIZED (
    {key_hits}
),
key_names AS MATERIALIZED (
    SELECT n.entity_id, n.normalized FROM keyed k JOIN entity_names n ON n.entity_id = k.entity_id
    WHERE word_similarity(:q, n.normalized) >= {word_similarity}
),
key_state AS MATERIALIZED (
    -- Only read when the keys found nothing: 1 some key of the query is too common to block
    -- on, 0 no key of it is known at all (search/blocking.py).
    SELECT ({key_state}) AS s
),
wide_names AS (
    -- A name of common words: the key stage again, with a wider cap.
    SELECT n.entity_id, n.normalized FROM ({wide_key_hits}) k
    JOIN entity_names n ON n.entity_id = k.entity_id
    WHERE NOT EXISTS (SELECT 1 FROM key_names) AND (SELECT s FROM key_state) = 1
      AND word_similarity(:q, n.normalized) >= {word_similarity}
),
loose_names AS (
    -- The keys found entities but no name is close to the query as a whole (extra words,
    -- a description around the name): the entities sharing the most of the query's rarer
    -- words still answer, ranked below close names by their lower similarity.
    SELECT n.entity_id, n.normalized
    FROM (SELECT entity_id FROM keyed ORDER BY kscore DESC, entity_id LIMIT {loose}) k
    JOIN entity_names n ON n.entity_id = k.entity_id
    WHERE NOT EXISTS (SELECT 1 FROM key_names)
),
trigram_names AS (
    -- No word of the query is known, even corrected: the trigram index, which is fast
    -- for such queries (their trigrams are rare too).
    SELECT n.entity_id, n.normalized FROM entity_names n
    WHERE n.normalized %> :q
      AND NOT EXISTS (SELECT 1 FROM key_names) AND (SELECT s FROM key_state) = 0
),
name_hits AS (
    SELECT c.entity_id,
           max(0.6 * word_similarity(:q, c.normalized) + 0.25 * similarity(:q, c.normalized)
               + 0.15 * ts_rank(to_tsvector('simple', c.normalized),
                                plainto_tsquery('simple', :q))) AS score
    FROM (SELECT * FROM key_names UNION SELECT * FROM wide_names
          UNION SELECT * FROM loose_names UNION SELECT * FROM trigram_names) c
    GROUP BY c.entity_id
),
id_hits AS (
    SELECT i.entity_id, {identifier_score}::float8 AS score
    FROM entity_identifiers i
    WHERE search_identifier_key(i.scheme, i.value) = ANY(CAST(:keys AS text[]))
),
hits AS MATERIALIZED (
    SELECT e.id, e.kind, e.country, e.dataset,
           round(max(h.score)::numeric, 6)::float8 AS score
    FROM (SELECT * FROM name_hits UNION ALL SELECT * FROM id_hits) h
    JOIN entities e ON e.id = h.entity_id
    WHERE {filters}
    GROUP BY e.id
),
page AS (
    SELECT id, score FROM hits
    WHERE {after}
    ORDER BY score DESC, id
    LIMIT :n
)
SELECT 'hit' AS row_type, p.id, p.score, NULL AS facet, NULL AS value,
       (SELECT array_agg(n.name ORDER BY n.id) FROM entity_names n
        WHERE n.entity_id = p.id) AS names
FROM page p
UNION ALL
SELECT 'facet', count(*), NULL,
       CASE WHEN GROUPING(kind) = 0 THEN 'kind'
            WHEN GROUPING(country) = 0 THEN 'country' ELSE 'dataset' END,
       CASE WHEN GROUPING(kind) = 0 THEN kind
            WHEN GROUPING(country) = 0 THEN country ELSE dataset END,
       NULL
FROM hits GROUP BY GROUPING SETS ((kind), (country), (dataset))
UNION ALL
SELECT 'total', count(*), NULL, NULL, NULL, NULL FROM hits
"""



def _filters(kind: str | None, country: str | None, dataset: str | None,
             params: dict[str, Any]) -> list[str]:
    clauses: list[str] = []
    if kind:
        clauses.append("e.kind = :kind")
        params["kind"] = kind
    if country:
        clauses.append("e.country = :country")
        params["country"] = country.upper()
    if dataset:
        clauses.append("e.dataset = :dataset")
        params["dataset"] = dataset
    return clauses


class PostgresBackend:
    name = "postgres"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def search(self, query: SearchQuery) -> SearchResult:
        q = normalize_name(query.q)
        keys = query_keys(query.q)
        if not q and not keys:
            return SearchResult(hits=[], facets={f: {} for f in FACETS}, total=0,
                                served_by=self.name)
        params: dict[str, Any] = {"q": q, "keys": keys, "n": query.limit + 1}
        filters = _filters(query.kind, query.country, query.dataset, params)
        after = "true"
        offset = 0
        if query.cursor:
            params["after_score"], params["after_id"], offset = decode_cursor(query.cursor)
            after = ("(score < :after_score OR (score = :after_score AND id > :after_id))")
        keys_sql = "(SELECT keys FROM query_keys)"
        sql = _SEARCH.format(key_hits=blocking.key_hits_sql(keys_sql, short=SEARCH_SHORT_LIST),
                             wide_key_hits=blocking.key_hits_sql(
                                 keys_sql, short=SEARCH_SHORT_LIST, wide=True),
                             key_state=blocking.key_state_sql(keys_sql),
                             word_similarity=WORD_SIMILARITY,
                             identifier_score=IDENTIFIER_SCORE, loose=LOOSE_SHORT_LIST,
                             filters=" AND ".join(filters) or "true", after=after)
        async with self.sessionmaker() as session, session.begin():
            params["readings"] = (await readings(session, [q]))[0] if q else []
            # A generic plan, made once per connection: this statement takes longer to plan
            # (about 17 ms) than to run, and its best plan does not depend on the query.
            await session.execute(
                text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true), "
                     "set_config('plan_cache_mode', 'force_generic_plan', true)"),
                {"t": str(WORD_SIMILARITY)})
            rows = (await session.execute(text(sql), params)).all()
        hits: list[Hit] = []
        facets: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        total = 0
        for row in rows:
            if row.row_type == "hit":
                hits.append(Hit(entity_id=row.id, score=row.score,
                                highlights=highlight_names(row.names or [], query.q)))
            elif row.row_type == "facet":
                if row.value is not None:
                    facets[row.facet][row.value] = row.id
            else:
                total = row.id
        hits.sort(key=lambda h: (-h.score, h.entity_id))
        nxt = None
        if len(hits) > query.limit:
            hits = hits[: query.limit]
            nxt = encode_cursor(hits[-1].score, hits[-1].entity_id, offset + query.limit)
        for values in facets.values():
            ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
            values.clear()
            values.update(ordered)
        return SearchResult(hits=hits, facets=facets, total=total, next=nxt,
                            served_by=self.name)

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        return (await self.candidates_many([query]))[0]

    async def candidates_many(self, queries: Sequence[CandidateQuery]) -> list[list[Candidate]]:
        """Blocking keys, then a trigram re-rank of the short list (search/blocking.py)."""
        async with self.sessionmaker() as session, session.begin():
            return await blocking.candidates_many(session, queries, min_similarity=SIMILARITY)

    async def index_entities(self, entity_ids: Sequence[int]) -> None:
        """Nothing to write: the tables are the index."""

    async def health(self) -> bool:
        try:
            async with self.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # any failure means unhealthy
            return False
        return True

    async def rebuild(self, progress: Callable[[int], object] | None = None) -> int:
        """Re-derive ``entity_names.normalized`` with the current ``normalize_name`` (after
        its rules change); names already current are left alone. Returns names rewritten."""
        changed = 0
        after = 0
        async with self.sessionmaker() as session:
            while True:
                rows = (await session.execute(
                    text("SELECT id, name, normalized FROM entity_names WHERE id > :a "
                         "ORDER BY id LIMIT 5000"), {"a": after})).all()
                if not rows:
                    break
                after = rows[-1].id
                stale = [{"i": r.id, "v": normalize_name(r.name)} for r in rows
                         if normalize_name(r.name) != r.normalized]
                if stale:
                    await session.execute(
                        text("UPDATE entity_names SET normalized = :v WHERE id = :i"), stale)
                    await session.commit()
                    changed += len(stale)
                if progress:
                    progress(len(rows))
        async with self.sessionmaker() as session, session.begin():
            await refresh_key_stats(session)  # the keys of rewritten names are new counts
        return changed

    async def describe(self) -> dict[str, Any]:
        async with self.sessionmaker() as session:
            names = (await session.execute(text("SELECT count(*) FROM entity_names"))).scalar()
        return {"backend": self.name, "names": names}

    async def close(self) -> None:
        """The sessionmaker belongs to the caller."""
