"""The search outbox: entity ids whose documents must be (re)written or removed.

Rows are written by triggers (migration 0004) in the same transaction as the change; this
module only claims and measures them. A claim deletes the rows inside the caller's
transaction: committed after the index accepted the documents, rolled back (rows back in
the outbox) when it did not. ``FOR UPDATE SKIP LOCKED`` lets several workers drain at once
without taking the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The oldest rows, then every other row of the same entities: one read of an entity's
# current state (after this statement) covers all of its queued changes committed before.
_CLAIM = """
WITH batch AS (
    SELECT entity_id FROM search_outbox ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED
), claimed AS (
    SELECT o.id FROM search_outbox o
    WHERE o.entity_id IN (SELECT entity_id FROM batch)
    FOR UPDATE SKIP LOCKED
)
DELETE FROM search_outbox WHERE id IN (SELECT id FROM claimed) RETURNING entity_id
"""


async def claim(session: AsyncSession, limit: int) -> list[int]:
    """Claim up to ``limit`` queued entities (distinct ids, oldest first)."""
    rows = await session.execute(text(_CLAIM), {"n": limit})
    return list(dict.fromkeys(r.entity_id for r in rows))


async def enqueue(session: AsyncSession, entity_ids: list[int]) -> None:
    """Queue entities by hand (the triggers queue every write already)."""
    await session.execute(
        text("INSERT INTO search_outbox (entity_id) SELECT unnest(CAST(:ids AS bigint[]))"),
        {"ids": entity_ids})


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    rows: int
    entities: int
    oldest: dt.datetime | None

    @property
    def lag_seconds(self) -> float:
        if self.oldest is None:
            return 0.0
        return max(0.0, (dt.datetime.now(dt.UTC) - self.oldest).total_seconds())


async def status(session: AsyncSession) -> OutboxStatus:
    row = (await session.execute(text(
        "SELECT count(*) AS rows, count(DISTINCT entity_id) AS entities, "
        "min(enqueued_at) AS oldest FROM search_outbox"))).one()
    return OutboxStatus(rows=row.rows, entities=row.entities, oldest=row.oldest)
