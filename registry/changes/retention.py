"""How long the change feed is kept (``REGISTRY_CHANGES_KEEP_DAYS``), and what a client
whose cursor is older learns.

``changes`` only grows; :func:`trim_changes` (run by ``registry publish``, scheduled or
not) deletes what is older than the retention. It keeps the newest of the old rows as the
*horizon*: every row before it is gone, none after it is. A cursor before the horizon may
have missed deleted changes, so the feed answers 410 and the client reloads the latest
snapshot (whose ``changes_cursor`` is recent) instead of silently skipping them; a cursor at
or after the horizon is served as before. Rows are never deleted otherwise (a deleted
object's row stays), so a cursor the API issued is before the horizon only after a trim.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

DEFAULT_KEEP_DAYS = 365

_TRIM_SQL = """
WITH horizon AS (
    SELECT xid, id FROM changes
    WHERE changed_at < now() - make_interval(days => :days)
    ORDER BY xid DESC, id DESC LIMIT 1)
DELETE FROM changes c USING horizon h WHERE (c.xid, c.id) < (h.xid, h.id)
"""

_HORIZON_SQL = "SELECT xid::text AS xid, id FROM changes ORDER BY xid, id LIMIT 1"


async def trim_changes(conn: AsyncConnection | AsyncSession, keep_days: int) -> int:
    """Delete the feed's rows older than ``keep_days`` but the horizon; how many went."""
    result = await conn.execute(text(_TRIM_SQL), {"days": keep_days})
    return int(getattr(result, "rowcount", 0) or 0)


async def horizon(conn: AsyncConnection | AsyncSession) -> tuple[int, int] | None:
    """The oldest row kept (``(xid, id)``), if any."""
    row = (await conn.execute(text(_HORIZON_SQL))).first()
    return (int(row.xid), int(row.id)) if row else None
