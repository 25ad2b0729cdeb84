"""Which blocking keys are common (migration 0016): refreshed in one statement, read by the
key stage of every search (``key_df_sql``) so that common keys are skipped without
counting their postings.

The refresh is one ``GROUP BY`` over ``entity_name_keys`` (about 1.5 s at 1M names). A
linking run refreshes the list first when names have grown by a tenth since the last
refresh (``refresh_if_stale``, as autovacuum decides to analyse a table), and an index
rebuild refreshes it. Searches between refreshes count the keys that are not listed,
so results only differ when a listed key has since lost names below a cap.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The lowest cap of the key stage (search/blocking.py RARE_CAPS): keys found in more names
# than this are listed.
STATS_MIN_DF = 50
# The list is stale when names have grown by more than this share since its refresh.
STALE_SHARE = 0.1
# Serialises refreshes (two would insert the same keys); readers never wait (MVCC).
_LOCK_ID = 0x6E6B7374  # "nkst"

# How far names have grown: the newest name's id (one index probe; a name renamed or
# written again gets a new id too). The cumulative statistics' live-row count would lag
# behind the last commits by up to a second.
_NAMES_GROWTH = text("SELECT coalesce(max(id), 0) FROM entity_names")


def key_df_sql(key: str, cap: int) -> str:
    """SQL for the number of names with ``key`` (an SQL expression) as far as a cap of
    ``cap`` needs to know it: the listed count when it is above the cap, else the postings
    counted up to ``cap + 1`` (an index-only scan)."""
    cap = int(cap)
    return (f"coalesce((SELECT st.df FROM name_key_stats st WHERE st.key = {key} "
            f"AND st.df > {cap}), (SELECT count(*) FROM (SELECT 1 FROM entity_name_keys x "
            f"WHERE x.key = {key} LIMIT {cap} + 1) n))")


async def refresh_key_stats(session: AsyncSession) -> int:
    """Recount the common keys in the caller's transaction; returns how many are listed."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    await session.execute(text("DELETE FROM name_key_stats"))
    result = await session.execute(text(
        "INSERT INTO name_key_stats (key, df) SELECT key, count(*) FROM entity_name_keys "
        "GROUP BY key HAVING count(*) > :min_df"), {"min_df": STATS_MIN_DF})
    grown = (await session.execute(_NAMES_GROWTH)).scalar_one()
    await session.execute(text(
        "INSERT INTO name_key_stats_state (id, name_id) VALUES (1, :n) ON CONFLICT (id) "
        "DO UPDATE SET name_id = EXCLUDED.name_id, refreshed_at = now()"), {"n": grown})
    return int(getattr(result, "rowcount", 0) or 0)


async def refresh_if_stale(session: AsyncSession) -> bool:
    """Refresh when never done or when names have grown by more than ``STALE_SHARE``;
    returns whether it did."""
    now = int((await session.execute(_NAMES_GROWTH)).scalar_one())
    then = (await session.execute(text(
        "SELECT name_id FROM name_key_stats_state WHERE id = 1"))).scalar()
    if then is not None and now - int(then) <= STALE_SHARE * max(int(then), 1):
        return False
    await refresh_key_stats(session)
    return True
