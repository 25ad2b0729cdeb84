"""``links`` export (DESIGN §4): one JSON object per line,
``{"left": {"dataset", "keys"}, "right": {...}, "score", "status", "evidence"}``, streamed
in id order with keyset pagination (constant memory), then its manifest."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.exports.manifest import write_manifest

_PAGE = text("""
SELECT l.id, l.score, l.status, l.evidence, l.method, l.matcher_version,
       le.dataset AS left_dataset, le.source_key AS left_key,
       re.dataset AS right_dataset, re.source_key AS right_key
FROM links l
JOIN entities le ON le.id = l.left_id
JOIN entities re ON re.id = l.right_id
WHERE l.id > :after AND l.status = ANY(:statuses)
ORDER BY l.id
LIMIT :limit
""")

ALL_STATUSES = ("auto", "candidate", "confirmed", "rejected")


async def iter_links(session: AsyncSession, statuses: Sequence[str] = ALL_STATUSES,
                     page: int = 5000) -> AsyncIterator[dict[str, Any]]:
    after = 0
    while True:
        rows = (await session.execute(_PAGE, {"after": after, "statuses": list(statuses),
                                              "limit": page})).all()
        for r in rows:
            yield {
                "left": {"dataset": r.left_dataset, "keys": [r.left_key]},
                "right": {"dataset": r.right_dataset, "keys": [r.right_key]},
                "score": r.score,
                "status": r.status,
                "evidence": r.evidence,
            }
        if len(rows) < page:
            return
        after = rows[-1].id


async def export_links(session: AsyncSession, out: Path,
                       statuses: Sequence[str] = ALL_STATUSES) -> Counter[str]:
    counts: Counter[str] = Counter()
    datasets: set[str] = set()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        async for item in iter_links(session, statuses):
            fh.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
            counts["links"] += 1
            counts[item["status"]] += 1
            datasets.update((item["left"]["dataset"], item["right"]["dataset"]))
    tmp.replace(out)  # a reader never sees a half-written dump
    write_manifest(out, format="links", counts=dict(counts), datasets=sorted(datasets),
                   extra={"statuses": list(statuses)})
    return counts
