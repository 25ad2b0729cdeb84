"""Taking many ids from a table's sequence in one round trip, for bulk ``COPY`` writers
that need the ids of the rows they are about to copy (to copy their children too)."""

from __future__ import annotations

from typing import Any


async def take_ids(driver: Any, table: str, n: int) -> list[int]:
    """``n`` new ids for ``table.id`` (an asyncpg connection as ``driver``). The sequence is
    looked up once and passed by oid: ``nextval(pg_get_serial_sequence(...))`` in the
    query would resolve it again for every row, ten times the cost of the ids themselves."""
    if n <= 0:
        return []
    oid = await driver.fetchval(
        "SELECT pg_get_serial_sequence($1, 'id')::regclass::oid", table)
    rows = await driver.fetch(
        "SELECT nextval($1::oid::regclass) FROM generate_series(1, $2)", oid, n)
    return [r[0] for r in rows]
