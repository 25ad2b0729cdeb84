"""Reading the change feed (``changes``, filled by triggers: migration 0022).

**Order.** Ids from a sequence are handed out when a row is written, not when its
transaction commits, so ``changes.id`` order is not commit order: a transaction can write
id 10, commit after another wrote and committed id 11, and a reader that had passed 11
would never see 10. The feed is ordered by the writing transaction's id (``xid``, then
``id`` within it) and reads only rows whose transaction is older than the oldest one still
running (``xid < pg_snapshot_xmin(pg_current_snapshot())``). Every such transaction has
ended, and any row written from now on belongs to a transaction whose id is at least that
xmin (running ones have it already; new ones get a larger one), so it sorts after every row
a reader has been given: a cursor never passes a change that can still appear. A change
shows up once every older transaction has ended (with imports committing batch by batch,
within a batch's time).

**Action.** Two transactions that touch the same object may commit in an order other than
their xids'. So a row says only *which* object changed, and the action is read from the
public view when the page is served: ``upsert`` if the object is public now, ``delete`` if
not (deleted, unpublished, merged, a link rejected). An object's latest row is always
served after its latest commit, so a mirror that applies the feed in order ends with the
current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from registry.exports.tables import TABLES_BY_NAME
from search.cursor import InvalidCursor, decode_position, encode_position

from .retention import horizon

# Feed object type → the public table (registry/exports/tables.py) that decides whether it
# is public now.
OBJECT_TABLES = {
    "entity": "entities",
    "relationship": "relationships",
    "contract": "contracts",
    "registrant": "registrants",
    "meeting": "meetings",
    "link": "links",
}
START = "0-0"

_PAGE_SQL = """
SELECT c.id, c.xid::text AS xid, c.object_type, c.object_id, c.dataset, c.source_key,
       c.changed_at
FROM changes c
WHERE (c.xid, c.id) > (CAST(:xid AS xid8), :id)
  AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
  AND (CAST(:types AS text[]) IS NULL OR c.object_type = ANY(CAST(:types AS text[])))
ORDER BY c.xid, c.id
LIMIT :limit
"""

_LAST_SQL = """
SELECT xid::text AS xid, id FROM changes
WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY xid DESC, id DESC LIMIT 1
"""


# A ``since`` the feed did not hand out.
BadCursor = InvalidCursor


class ExpiredCursor(ValueError):
    """The cursor is older than the feed keeps (registry/changes/retention.py)."""

    def __init__(self, oldest: str) -> None:
        super().__init__(oldest)
        self.oldest = oldest


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    return decode_position(cursor or START)


def format_cursor(xid: str | int, row_id: int) -> str:
    return encode_position(xid, row_id)


@dataclass(frozen=True, slots=True)
class Change:
    cursor: str
    type: str
    id: int
    dataset: str | None
    keys: list[str]
    action: str
    changed_at: dt.datetime


async def read_changes(session: AsyncSession, since: str | None, *,
                       types: list[str] | None = None, limit: int = 500
                       ) -> tuple[list[Change], str]:
    """The next ``limit`` changes after ``since`` and the cursor to ask from next time (the
    same one when there is nothing new)."""
    xid, row_id = parse_cursor(since)
    if (xid, row_id) != (0, 0):  # from the beginning: from the oldest row kept
        oldest = await horizon(session)
        if oldest is not None and (xid, row_id) < oldest:
            raise ExpiredCursor(format_cursor(*oldest))
    rows = (await session.execute(text(_PAGE_SQL), {
        "xid": xid, "id": row_id, "types": types, "limit": limit})).all()
    public = await _public_ids(session, rows)
    changes = [Change(
        cursor=format_cursor(r.xid, r.id), type=r.object_type, id=r.object_id,
        dataset=r.dataset, keys=[r.source_key] if r.source_key else [],
        action="upsert" if r.object_id in public.get(r.object_type, set()) else "delete",
        changed_at=r.changed_at) for r in rows]
    return changes, changes[-1].cursor if changes else format_cursor(xid, row_id)


async def _public_ids(session: AsyncSession, rows: Sequence[Any]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {}
    for r in rows:
        wanted.setdefault(r.object_type, set()).add(r.object_id)
    found: dict[str, set[int]] = {}
    for kind, ids in wanted.items():
        table = TABLES_BY_NAME[OBJECT_TABLES[kind]]
        # The public definition itself, narrowed to these ids (the planner pushes the
        # condition into it).
        result = await session.execute(
            text(f"SELECT DISTINCT t.id FROM ({table.sql}) t "
                 "WHERE t.id = ANY(CAST(:ids AS bigint[]))"), {"ids": sorted(ids)})
        found[kind] = {row[0] for row in result}
    return found


async def snapshot_cursor(conn: AsyncConnection | AsyncSession) -> str:
    """The feed position a snapshot read in this transaction is consistent with: every row
    before it is in the snapshot (later ones may be too; replaying them is harmless)."""
    row = (await conn.execute(text(_LAST_SQL))).first()
    return format_cursor(row.xid, row.id) if row else START
