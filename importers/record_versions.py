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


# One round trip for the whole batch: for each (record type, version key, record key),
# whether that version is stored and whether its record has any version. Each is one index
# probe (a plain ``= ANY(...)`` on two columns lets the planner fall back to scanning the
# table, which grows with every batch); only keys with an answer come back.
_LOOKUP = """
SELECT k.i,
       EXISTS (SELECT 1 FROM record_versions v WHERE v.dataset = $1
               AND v.record_type = k.record_type AND v.version_key = k.version_key) AS stored,
       EXISTS (SELECT 1 FROM record_versions v WHERE v.dataset = $1
               AND v.record_type = k.record_type AND v.source_key = k.source_key) AS known
FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY
     AS k(record_type, version_key, source_key, i)
"""
_ANSWERS = f"SELECT i, stored, known FROM ({_LOOKUP}) q WHERE stored OR known"
_COLUMNS = ["dataset", "import_run_id", "record_type", "source_key", "version_key", "status",
            "valid_from", "content", "seq"]


async def store_versions(session: AsyncSession, dataset: str, run_id: int | None,
                         rows: Sequence[VersionRow]) -> list[NewVersion]:
    """Insert the versions not stored yet; returns them. One query finds what is stored
    already (versions, and records with any version), then one ``COPY`` writes the rest
    straight into the table. The caller holds the dataset's import lock
    (:func:`lock_dataset`), so no other import can add the same versions in between."""
    if not rows:
        return []
    conn = await session.connection()
    driver: Any = (await conn.get_raw_connection()).driver_connection
    batch: dict[tuple[str, str], VersionRow] = {}
    for r in rows:  # the first copy of a version in the batch is the one stored
        batch.setdefault((r.record_type, r.version_key), r)
    keys = list(batch.values())
    stored: set[int] = set()
    known_at: set[int] = set()
    for answer in await driver.fetch(_ANSWERS, dataset, [r.record_type for r in keys],
                                     [r.version_key for r in keys],
                                     [r.source_key for r in keys]):
        if answer["stored"]:
            stored.add(answer["i"] - 1)
        if answer["known"]:
            known_at.add(answer["i"] - 1)
    new_rows = {(r.record_type, r.version_key): r
                for i, r in enumerate(keys) if i not in stored}
    if not new_rows:
        return []
    known = {(keys[i].record_type, keys[i].source_key) for i in known_at}
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


async def commit_lazily(session: AsyncSession) -> None:
    """Let this batch transaction's COMMIT return before its WAL reaches the disk.

    Safe for a batch that commits together with its run's checkpoint: a server crash can
    lose only the last few such commits (at most about three ``wal_writer_delay``, 0.6 s by
    default), never part of one, and the database stays consistent. The checkpoint is lost
    with its batch, so ``--resume`` reads those items again, and re-importing them is
    idempotent. The run's final "completed" commit keeps the default (synchronous), which
    also makes every earlier batch durable. Saves a disk flush per batch, which is most of
    a commit's cost on a slow or shared disk."""
    await session.execute(text("SET LOCAL synchronous_commit = off"))


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
