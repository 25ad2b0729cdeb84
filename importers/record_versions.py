"""Storing source versions in ``record_versions`` by ``COPY``: the history and the
idempotence key of an import.

A batch is copied into a session-local staging table and inserted with ``ON CONFLICT DO
NOTHING`` on (dataset, record_type, version_key): what comes back is exactly the versions
not seen before, each flagged with whether its record was already known. Versions already
stored are the "unchanged" of a re-import, and the caller writes nothing else for them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(slots=True)
class VersionRow:
    record_type: str
    source_key: str
    version_key: str
    status: str | None
    valid_from: dt.datetime | None
    content: dict[str, Any]
    seq: int = 0


@dataclass(frozen=True, slots=True)
class NewVersion:
    record_type: str
    source_key: str
    version_key: str
    record_known: bool  # an earlier version of the record was stored before this batch


_CREATE = """
CREATE TEMP TABLE IF NOT EXISTS _stage_versions (
    record_type text, source_key text, version_key text, status text,
    valid_from timestamptz, content jsonb, seq integer
) ON COMMIT DELETE ROWS
"""

_INSERT = """
WITH ins AS (
    INSERT INTO record_versions (dataset, import_run_id, record_type, source_key, version_key,
                                 status, valid_from, content, seq)
    SELECT DISTINCT ON (record_type, version_key)
           :dataset, :run_id, record_type, source_key, version_key, status, valid_from,
           content, seq
    FROM _stage_versions ORDER BY record_type, version_key, seq
    ON CONFLICT (dataset, record_type, version_key) DO NOTHING
    RETURNING record_type, source_key, version_key
)
SELECT ins.record_type, ins.source_key, ins.version_key,
       EXISTS (SELECT 1 FROM record_versions v
               WHERE v.dataset = :dataset AND v.record_type = ins.record_type
                 AND v.source_key = ins.source_key) AS known
FROM ins
"""


async def store_versions(session: AsyncSession, dataset: str, run_id: int | None,
                         rows: Sequence[VersionRow]) -> list[NewVersion]:
    """Insert the versions; returns those that were new. The ``EXISTS`` in the outer query
    sees the table as it was before this statement (PostgreSQL runs data-modifying CTEs on
    one snapshot), so ``record_known`` means "known before this batch"."""
    if not rows:
        return []
    conn = await session.connection()
    driver: Any = (await conn.get_raw_connection()).driver_connection
    await session.execute(text(_CREATE))
    await session.execute(text("TRUNCATE _stage_versions"))
    await driver.copy_records_to_table(
        "_stage_versions",
        records=[(r.record_type, r.source_key, r.version_key, r.status, r.valid_from,
                  json.dumps(r.content, ensure_ascii=False, default=str), r.seq) for r in rows],
        columns=["record_type", "source_key", "version_key", "status", "valid_from",
                 "content", "seq"])
    result = await session.execute(text(_INSERT), {"dataset": dataset, "run_id": run_id})
    return [NewVersion(r.record_type, r.source_key, r.version_key, bool(r.known))
            for r in result]


async def lookup_keys(session: AsyncSession, dataset: str,
                      version_keys: Sequence[str]) -> dict[str, str]:
    """version_key -> source_key for stored versions (any record type)."""
    if not version_keys:
        return {}
    found = await session.execute(text(
        "SELECT version_key, source_key FROM record_versions WHERE dataset = :d "
        "AND record_type IN ('entity', 'person', 'relationship') AND version_key = ANY(:k)"),
        {"d": dataset, "k": list(version_keys)})
    return {r.version_key: r.source_key for r in found}
