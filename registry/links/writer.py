"""Writing links: what ``search.linking.decide_links`` decided goes into ``links``.

Machine links (``auto``, ``candidate``) are upserted as ``left_id < right_id`` and dropped
when they no longer qualify; a human decision (``confirmed``, ``rejected``) is never
overwritten nor removed. A row is rewritten only when its score, status, matcher version or
evidence changed, so a re-run writes only what changed.

``link_entities(session, source, entity_ids)`` is the incremental entry point for importers:
pass the ids an import wrote (probes may be of any dataset). ``registry link`` runs it over
all probe entities in batches (registry/links/jobs.py; DESIGN §4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.linking import DEFAULT_K, CandidateSource, LinkDecisions, decide_links
from search.matching.model import MATCHER_VERSION


@dataclass
class LinkStats:
    probes: int = 0
    pairs_scored: int = 0
    auto: int = 0
    candidate: int = 0
    removed: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def add(self, other: LinkStats) -> None:
        self.probes += other.probes
        self.pairs_scored += other.pairs_scored
        self.auto += other.auto
        self.candidate += other.candidate
        self.removed += other.removed
        for k, v in other.by_method.items():
            self.by_method[k] = self.by_method.get(k, 0) + v


_UPSERT = text("""
INSERT INTO links (left_id, right_id, score, status, method, evidence, matcher_version)
SELECT * FROM unnest(CAST(:l AS bigint[]), CAST(:r AS bigint[]), CAST(:s AS float8[]),
                     CAST(:st AS text[]), CAST(:m AS text[]), CAST(:ev AS jsonb[]),
                     CAST(:v AS text[]))
ON CONFLICT (left_id, right_id) DO UPDATE SET
    score = EXCLUDED.score, status = EXCLUDED.status, method = EXCLUDED.method,
    evidence = EXCLUDED.evidence, matcher_version = EXCLUDED.matcher_version,
    updated_at = now()
WHERE links.status IN ('auto', 'candidate')
  AND (links.score, links.status, links.matcher_version, links.evidence)
      IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.status, EXCLUDED.matcher_version,
                        EXCLUDED.evidence)
""")

_DROP = text("""
DELETE FROM links l
USING unnest(CAST(:l AS bigint[]), CAST(:r AS bigint[])) AS d(left_id, right_id)
WHERE l.left_id = d.left_id AND l.right_id = d.right_id AND l.status IN ('auto', 'candidate')
""")


async def link_entities(session: AsyncSession, source: CandidateSource,
                        entity_ids: Sequence[int], *, k: int = DEFAULT_K) -> LinkStats:
    """Link these entities (probes) to the other datasets. Runs in the caller's
    transaction; the caller commits."""
    decisions = await decide_links(session, source, entity_ids, k=k)
    return await write_links(session, decisions)


async def write_links(session: AsyncSession, decisions: LinkDecisions) -> LinkStats:
    stats = LinkStats(probes=decisions.probes, pairs_scored=decisions.pairs_scored)
    upserts, drops = decisions.upserts, decisions.drops
    if upserts:
        keys = sorted(upserts)
        await session.execute(_UPSERT, {
            "l": [k[0] for k in keys], "r": [k[1] for k in keys],
            "s": [upserts[k].score for k in keys],
            "st": [upserts[k].status for k in keys],
            "m": [upserts[k].method for k in keys],
            "ev": [json.dumps(upserts[k].evidence(), ensure_ascii=False) for k in keys],
            "v": [MATCHER_VERSION] * len(keys),
        })
        for result in upserts.values():
            if result.status == "auto":
                stats.auto += 1
            else:
                stats.candidate += 1
            stats.by_method[result.method] = stats.by_method.get(result.method, 0) + 1
    if drops:
        keys = sorted(drops)
        res = await session.execute(_DROP, {"l": [k[0] for k in keys],
                                            "r": [k[1] for k in keys]})
        stats.removed += int(getattr(res, "rowcount", 0) or 0)
    return stats
