"""Candidate generation by blocking keys (migrations 0010, 0014): the record-linkage way.

Every name has keys in ``entity_name_keys``: its tokens and their metaphones, written by
triggers in the same transaction as the name. The query's keys are derived in SQL by the
same function (``search_name_keys``), so both sides always agree; ``search_query_keys``
adds the keys of the query read with its rare words corrected (search/corrections.py: a
typo in the only distinctive word). For each query key, the btree yields
at most ``cap + 1`` entities; a key found more often than ``cap`` (legal forms, "trade",
"group") is skipped, and the others weigh ``ln(1 + cap / df)`` (IDF). The entities sharing
the most weight form a short list; only that list is filtered (kind, country, dataset) and
re-ranked by trigram similarity.

Queries that find nothing get a second, rarer chance:
- some keys of the query are frequent (a name of common words, "Kraxda Supplies"): the key
  stage again with ``WIDE_CAP``, so that the rarer of those keys (the word pair) block;
- no key of the query is known at all (every word misspelt beyond correction, or unknown):
  the trigram index, which is fast for such queries since their trigrams are rare too.
The trigram index is never used for names of frequent words: its posting lists are then
long, and that is what made the slowest searches (over a second at 1M names).

``candidates_many`` answers a few hundred queries in one round trip (``unnest`` +
``LATERAL``); it runs in the caller's session, so a linker sees its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .backend import Candidate, CandidateQuery
from .corrections import readings
from .key_stats import key_df_sql
from .normalize import normalize_name

# A key met in more names than this is too common to block on.
KEY_CAP = 1000
# The second chance of a query whose keys are all more common than KEY_CAP.
WIDE_CAP = 20_000
# The first pass of a batch: most names have a rare key (a word pair, an uncommon word),
# and reading few postings per key is what makes a batch fast.
RARE_CAPS = (50, 250)
# Entities kept per query after the key stage (before filters and the re-rank).
SHORT_LIST = 300

_QUERIES = """
unnest(CAST(:names AS text[]), CAST(:kinds AS text[]), CAST(:countries AS text[]),
       CAST(:datasets AS text[]), CAST(:limits AS int[]), CAST(:keys AS text[]))
    WITH ORDINALITY AS q(name, kind, country, dataset, lim, keys, i)
"""
# The keys of a query's readings (search/corrections.py), derived once per batch by
# ``search_query_keys`` (the triggers' own rules) and passed to every pass joined by a unit
# separator (keys are words, spaces and a prefix).
_SEP = "chr(31)"
_QUERY_KEYS = f"string_to_array(q.keys, {_SEP})"
_KEYS_OF = text(f"""
SELECT array_to_string(search_query_keys(string_to_array(r.readings, {_SEP})), {_SEP})
FROM unnest(CAST(:readings AS text[])) WITH ORDINALITY AS r(readings, i) ORDER BY r.i
""")

_COUNTRY = {
    # A probe of unknown country, or a target of unknown country, still meets.
    True: "(q.country IS NULL OR e.country IS NULL OR e.country = q.country)",
    False: "(q.country IS NULL OR e.country = q.country)",
}

# The key stage for one query (a LATERAL subquery): entity ids by summed key weight. Each
# key's postings are counted first (search/key_stats.py: a key listed as common is not
# counted again; the others up to cap + 1, an index-only scan that returns nothing), and
# only the keys that block are read: most of a name's keys are common words whose postings
# would be read only to be thrown away.
KEY_HITS = """
SELECT h.entity_id, sum(k.w) AS kscore
FROM (
    SELECT kk.key, ln(1 + {cap}::float8 / c.df) AS w
    FROM (
        SELECT qk.key, bool_or(qk.key LIKE 'q:%') OVER () AS has_pairs
        FROM unnest({keys}) AS qk(key)
    ) kk
    CROSS JOIN LATERAL (SELECT {df} AS df OFFSET 0) c  -- OFFSET 0: counted once, not per use
    WHERE c.df BETWEEN 1 AND {cap} AND {key_filter}
) k
CROSS JOIN LATERAL (
    SELECT DISTINCT x.entity_id FROM entity_name_keys x WHERE x.key = k.key
) h
GROUP BY h.entity_id
ORDER BY kscore DESC, h.entity_id
LIMIT {short}
"""

_BLOCKED = """
SELECT q.i, c.entity_id, c.score
FROM {queries}
CROSS JOIN LATERAL (
    SELECT s.entity_id, r.score
    FROM (
        SELECT kh.entity_id, kh.kscore
        FROM ({key_hits}) kh JOIN entities e ON e.id = kh.entity_id
        WHERE (q.kind IS NULL OR e.kind = q.kind) AND {country}
          AND (q.dataset IS NULL OR e.dataset <> q.dataset)
        ORDER BY kh.kscore DESC, kh.entity_id
        LIMIT greatest(q.lim * 5, 30)
    ) s
    CROSS JOIN LATERAL (  -- OFFSET 0: computed once, not again for the ORDER BY
        SELECT max(similarity(n.normalized, q.name)) AS score FROM entity_names n
        WHERE n.entity_id = s.entity_id OFFSET 0) r
    WHERE r.score >= :min_sim
    ORDER BY r.score DESC, s.entity_id
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


def key_state_sql(keys: str, cap: int = KEY_CAP) -> str:
    """SQL for what the keys of a query that found nothing say (``keys``: an SQL expression
    of its ``text[]``): 1 when some key is too common to block on at ``cap`` (the wide key
    stage may find what the others missed), else 0 when no key is known at all."""
    return (f"SELECT coalesce(max(CASE WHEN c.n > {int(cap)} THEN 1 WHEN c.n = 0 THEN 0 "
            f"ELSE 0.5 END), 0) FROM unnest({keys}) AS kk(key) "
            f"CROSS JOIN LATERAL (SELECT {key_df_sql('kk.key', cap)} AS n OFFSET 0) c")


def key_hits_sql(keys: str, *, cap: int = KEY_CAP, short: int = SHORT_LIST,
                 wide: bool = False) -> str:
    """The key stage as SQL over ``keys``, an SQL expression of the query's keys (a
    ``text[]``, from ``search_query_keys``). ``wide``:
    the second chance of a query whose keys are frequent, with ``WIDE_CAP`` and only the
    word-pair keys (the rarest of a name of common words), or all keys of a one-word query
    (it has no pairs); scanning 20,000 postings of a single common word would only tell
    that it is too common."""
    key_filter = "true"
    if wide:
        cap = WIDE_CAP
        key_filter = "(kk.key LIKE 'q:%' OR NOT kk.has_pairs)"
    return KEY_HITS.format(keys=keys, cap=int(cap), short=int(short), key_filter=key_filter,
                           df=key_df_sql("kk.key", cap))


async def candidates_many(session: AsyncSession, queries: Sequence[CandidateQuery], *,
                          min_similarity: float = 0.3, null_country_matches: bool = False,
                          cap: int = KEY_CAP, use_keys: bool = True) -> list[list[Candidate]]:
    """Top ``limit`` candidates of each query, best first (score: trigram similarity of the
    normalised names). One round trip for all queries, and up to three more for those that
    found nothing (module docstring), whatever the number of queries.
    ``use_keys=False`` is the trigram index alone (the benchmarks' baseline)."""
    out: list[list[Candidate]] = [[] for _ in queries]
    names = [normalize_name(q.name) for q in queries]
    todo = [i for i, n in enumerate(names) if n]
    if not todo:
        return out
    country = _COUNTRY[null_country_matches]

    def blocked(key_cap: int, wide: bool = False) -> str:
        return _BLOCKED.format(queries=_QUERIES, country=country,
                               key_hits=key_hits_sql(_QUERY_KEYS, cap=key_cap, wide=wide))

    joined = [""] * len(queries)  # keys of each query, joined by _SEP
    if use_keys:
        found = await readings(session, [names[i] for i in todo])
        keys = await session.execute(_KEYS_OF, {"readings": ["\x1f".join(f) for f in found]})
        for i, (joined_keys,) in zip(todo, keys, strict=True):
            joined[i] = joined_keys or ""
        empty = todo
        for key_cap in (*(c for c in RARE_CAPS if c < cap), cap):
            await _run(session, blocked(key_cap), queries, names, joined, empty, out,
                       min_similarity)
            empty = [i for i in empty if not out[i]]
            if not empty:
                return out
        # Keys that found entities which the filters then removed say "no candidate"; the
        # others get a second chance (module docstring).
        rows = await session.execute(text(
            f"SELECT q.i, ({key_state_sql(_QUERY_KEYS, cap)}) "
            "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS q(keys, i)"),
            {"keys": [joined[i] for i in empty]})
        state = {empty[int(i) - 1]: float(s) for i, s in rows}
        common = [i for i in empty if state.get(i) == 1]
        if common:
            await _run(session, blocked(cap, wide=True), queries, names, joined, common, out,
                       min_similarity)
        empty = [i for i in empty if state.get(i, 0) == 0]
    else:
        empty = todo
    if empty:
        await session.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
            {"t": str(min_similarity)})
        await _run(session, _TRIGRAM.format(queries=_QUERIES, country=country),
                   queries, names, joined, empty, out, min_similarity)
    return out


async def _run(session: AsyncSession, sql: str, queries: Sequence[CandidateQuery],
               names: list[str], joined: list[str], which: list[int],
               out: list[list[Candidate]], min_similarity: float) -> None:
    rows = await session.execute(text(sql), {
        "names": [names[i] for i in which],
        "kinds": [queries[i].kind for i in which],
        "countries": [_upper(queries[i].country) for i in which],
        "datasets": [queries[i].exclude_dataset for i in which],
        "limits": [queries[i].limit for i in which],
        "keys": [joined[i] for i in which],
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
