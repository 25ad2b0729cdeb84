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
from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.driver import session_driver


@dataclass(slots=True)
class VersionRow:
    record_type: str
    source_key: str
    version_key: str
    status: str | None
    valid_from: dt.datetime | None
    content: dict[str, Any]
    seq: int = 0
    encoded: str | None = None  # content as JSON text, once encoded (see encode_version)


def encode_version(row: VersionRow) -> str:
    """The content as JSON text, encoded once (kept on the row, which must not change
    afterwards): an importer calls this while the database writes its previous batch."""
    if row.encoded is None:
        row.encoded = _encode(row.content)
    return row.encoded


@dataclass(frozen=True, slots=True)
class NewVersion:
    record_type: str
    source_key: str
    version_key: str
    record_known: bool  # an earlier version of the record was stored before this batch


# Each key of the batch is one index probe, joined against the batch's keys (a plain
# ``= ANY(...)`` on two columns lets the planner fall back to scanning the table, which grows
# with every batch). The keys travel as JSON arrays, one per column: asyncpg encodes a text[]
# parameter element by element in Python, which cost more than the probes.
_STORED = """
SELECT k.i FROM ROWS FROM (json_array_elements_text($2::json),
                           json_array_elements_text($3::json))
     WITH ORDINALITY AS k(record_type, version_key, i)
WHERE EXISTS (SELECT 1 FROM record_versions v WHERE v.dataset = $1
              AND v.record_type = k.record_type AND v.version_key = k.version_key)
"""
_KNOWN = """
SELECT k.i FROM ROWS FROM (json_array_elements_text($2::json),
                           json_array_elements_text($3::json))
     WITH ORDINALITY AS k(record_type, source_key, i)
WHERE EXISTS (SELECT 1 FROM record_versions v WHERE v.dataset = $1
              AND v.record_type = k.record_type AND v.source_key = k.source_key)
"""
_COLUMNS = ["dataset", "import_run_id", "record_type", "source_key", "version_key", "status",
            "valid_from", "content", "seq"]


async def store_versions(session: AsyncSession, dataset: str, run_id: int | None,
                         rows: Sequence[VersionRow]) -> list[NewVersion]:
    """Insert the versions not stored yet; returns them. Two queries find the records that
    have a version stored already and the versions stored already, then one ``COPY``
    writes the rest. The caller holds the dataset's import lock (:func:`lock_dataset`), so
    no other import adds versions meanwhile."""
    driver, keys, known = await _batch(session, dataset, rows)
    if keys:
        stored = {r["i"] - 1 for r in await driver.fetch(
            _STORED, dataset, _json([r.record_type for r in keys]),
            _json([r.version_key for r in keys]))}
        keys = [r for i, r in enumerate(keys) if i not in stored]
    if keys:
        await _copy(driver, dataset, run_id, keys)
    return _new(keys, known)


async def store_all_versions(session: AsyncSession, dataset: str, run_id: int | None,
                             rows: Sequence[VersionRow]) -> list[NewVersion] | None:
    """:func:`store_versions` for a batch expected to be all new (a first import): the
    batch is copied straight away, in a savepoint, and the unique index does the lookup
    of stored versions for free. If one turns out to be stored, the savepoint is rolled
    back and None is returned: call :func:`store_versions` instead."""
    driver, keys, known = await _batch(session, dataset, rows)
    if keys:
        # On the driver: the session knows nothing of this COPY, so its own savepoint
        # would not be emitted around it.
        await driver.execute("SAVEPOINT store_all_versions")
        try:
            await _copy(driver, dataset, run_id, keys)
        except UniqueViolationError:
            await driver.execute("ROLLBACK TO SAVEPOINT store_all_versions")
            return None
        await driver.execute("RELEASE SAVEPOINT store_all_versions")
    return _new(keys, known)


async def _batch(session: AsyncSession, dataset: str, rows: Sequence[VersionRow],
                 ) -> tuple[Any, list[VersionRow], set[tuple[str, str]]]:
    """The driver, the batch without repeated versions (the first copy is the one
    stored), and which of its records have a version stored already."""
    driver = await session_driver(session)
    batch: dict[tuple[str, str], VersionRow] = {}
    for r in rows:
        batch.setdefault((r.record_type, r.version_key), r)
    keys = list(batch.values())
    if not keys:
        return driver, keys, set()
    records = list({(r.record_type, r.source_key) for r in keys})
    known = {records[r["i"] - 1] for r in await driver.fetch(
        _KNOWN, dataset, _json([t for t, _ in records]), _json([k for _, k in records]))}
    return driver, keys, known


def _new(rows: list[VersionRow], known: set[tuple[str, str]]) -> list[NewVersion]:
    return [NewVersion(r.record_type, r.source_key, r.version_key,
                       (r.record_type, r.source_key) in known) for r in rows]


def _json(values: list[str]) -> str:
    return msgspec.json.encode(values).decode()


async def _copy(driver: Any, dataset: str, run_id: int | None,
                rows: Sequence[VersionRow]) -> None:
    await driver.copy_records_to_table(
        "record_versions",
        records=[(dataset, run_id, r.record_type, r.source_key, r.version_key, r.status,
                  r.valid_from, encode_version(r), r.seq) for r in rows],
        columns=_COLUMNS)


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
