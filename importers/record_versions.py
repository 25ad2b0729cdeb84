"""Storing source versions in ``record_versions`` by ``COPY``: the history and the
idempotence key of an import.

The versions of a batch not stored before are copied in; each comes back flagged with
whether its record was already known. Versions already stored are the "unchanged" of a
re-import, and the caller writes nothing else for them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
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


# Joins against the batch's keys, so that each key is one index probe (a plain
# ``= ANY(...)`` on two columns lets the planner fall back to scanning the table, which
# grows with every batch).
_EXISTING = """
SELECT v.record_type, v.version_key
FROM unnest($2::text[], $3::text[]) AS k(record_type, version_key)
JOIN record_versions v ON v.dataset = $1 AND v.record_type = k.record_type
                      AND v.version_key = k.version_key
"""
_KNOWN = """
SELECT k.record_type, k.source_key
FROM unnest($2::text[], $3::text[]) AS k(record_type, source_key)
WHERE EXISTS (SELECT 1 FROM record_versions v WHERE v.dataset = $1
              AND v.record_type = k.record_type AND v.source_key = k.source_key)
"""
_COLUMNS = ["dataset", "import_run_id", "record_type", "source_key", "version_key", "status",
            "valid_from", "content", "seq"]


async def store_versions(session: AsyncSession, dataset: str, run_id: int | None,
                         rows: Sequence[VersionRow]) -> list[NewVersion]:
    """Insert the versions not stored yet; returns them. Two index lookups find what is
    stored already (versions, and records with any version), then one ``COPY`` writes the
    rest straight into the table. The caller holds the dataset's import lock
    (:func:`lock_dataset`), so no other import can add the same versions in between."""
    if not rows:
        return []
    conn = await session.connection()
    driver: Any = (await conn.get_raw_connection()).driver_connection
    wanted = list({(r.record_type, r.version_key) for r in rows})
    existing = {(r["record_type"], r["version_key"]) for r in await driver.fetch(
        _EXISTING, dataset, [t for t, _ in wanted], [v for _, v in wanted])}
    new_rows: dict[tuple[str, str], VersionRow] = {}
    for r in rows:
        key = (r.record_type, r.version_key)
        if key not in existing and key not in new_rows:
            new_rows[key] = r
    if not new_rows:
        return []
    records = list({(r.record_type, r.source_key) for r in new_rows.values()})
    known = {(r["record_type"], r["source_key"]) for r in await driver.fetch(
        _KNOWN, dataset, [t for t, _ in records], [k for _, k in records])}
    await driver.copy_records_to_table(
        "record_versions",
        records=[(dataset, run_id, r.record_type, r.source_key, r.version_key, r.status,
                  r.valid_from, _encode(r.content), r.seq) for r in new_rows.values()],
        columns=_COLUMNS)
    return [NewVersion(r.record_type, r.source_key, r.version_key,
                       (r.record_type, r.source_key) in known) for r in new_rows.values()]


def _encode(value: Any) -> str:
    # msgspec is several times faster than json.dumps on large batches.
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        return json.dumps(value, ensure_ascii=False, default=str)


async def lock_dataset(session: AsyncSession, dataset: str) -> None:
    """Serialise imports into one dataset, per batch transaction."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('import:' || :d))"),
                          {"d": dataset})


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
