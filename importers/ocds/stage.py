"""Phase 1 of an OCDS import: releases into ``record_versions``, by ``COPY``.

A release is stored as record type ``release``, source key = its ocid, version key =
``{ocid}/{release id}`` (release ids are unique within an ocid). That table is the history of
every process and the idempotence key: a release already stored with the same content
changes nothing. Every process that received a new or changed release is queued in
``contracts_pending`` (in the same transaction) for phase 2, ``importers/ocds/compile.py``.
Batches are copied as all new, in a savepoint, until one holds a release stored already;
from then on each batch looks its releases up first (a re-import, an update).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.driver import session_driver
from registry.standards import ocds as ocds_schema

from .releases import check_release, parse_datetime, releases_of

SkipFn = Callable[[str, str, str], None]  # (path, position, reason)

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS _stage_releases (
    source_key text, version_key text, valid_from timestamptz, content jsonb, seq integer
) ON COMMIT DELETE ROWS
"""
# Inserts new releases, replaces corrected ones, leaves identical ones alone; queues the
# processes whose releases changed.
_MERGE = """
WITH changed AS (
    INSERT INTO record_versions (dataset, record_type, source_key, version_key, valid_from,
                                 content, import_run_id, seq)
    SELECT :dataset, 'release', source_key, version_key, valid_from, content, :run_id, seq
    FROM _stage_releases
    ON CONFLICT (dataset, record_type, version_key) DO UPDATE SET
        content = EXCLUDED.content, valid_from = EXCLUDED.valid_from,
        import_run_id = EXCLUDED.import_run_id, seq = EXCLUDED.seq
    WHERE record_versions.content IS DISTINCT FROM EXCLUDED.content
    RETURNING source_key, version_key, (xmax = 0) AS inserted
), queued AS (
    INSERT INTO contracts_pending (dataset, ocid, new_keys, recompile)
    SELECT :dataset, source_key, array_agg(version_key), NOT bool_and(inserted)
    FROM changed GROUP BY source_key
    ON CONFLICT (dataset, ocid) DO UPDATE SET
        new_keys = contracts_pending.new_keys || EXCLUDED.new_keys,
        recompile = contracts_pending.recompile OR EXCLUDED.recompile
)
SELECT count(*) FROM changed
"""
# A join, not `version_key = ANY($2)`: while the history is new and not yet analysed, the
# planner scans it and tests every row against the whole array (quadratic in a first import).
_STORED = """
SELECT r.version_key FROM unnest($2::text[]) AS k(version_key)
JOIN record_versions r ON r.dataset = $1 AND r.record_type = 'release'
    AND r.version_key = k.version_key
"""
_QUEUE_NEW = """
INSERT INTO contracts_pending (dataset, ocid, new_keys)
SELECT $1, ocid, array_agg(version_key) FROM unnest($2::text[], $3::text[]) AS r(ocid, version_key)
GROUP BY ocid
ON CONFLICT (dataset, ocid) DO UPDATE SET new_keys = contracts_pending.new_keys || EXCLUDED.new_keys
"""


@dataclass(slots=True)
class Pending:
    ocid: str
    version_key: str
    valid_from: dt.datetime | None
    content: str  # the release as JSON text, ready to COPY
    seq: int


class ReleaseCollector:
    """Checks releases and keeps the usable ones, encoded, until they are taken. Touches no
    database, so it can run in a reader thread while the previous batch is written."""

    def __init__(self, *, validate: bool = False) -> None:
        self.validate = validate
        self.pending: dict[str, Pending] = {}

    def add(self, value: Any, path: str, position: str, seq: int, skip: SkipFn) -> int:
        """Take the releases inside one input value; returns how many releases it held."""
        n = 0
        encode = msgspec.json.encode
        for sub, release in releases_of(value):
            n += 1
            where = f"{position} {sub}" if sub else position
            reason = check_release(release)
            if reason is None and self.validate:
                problems = ocds_schema.errors(release, "release-schema.json")
                if problems:
                    reason = "schema: " + "; ".join(problems[:5])
            if reason is not None:
                skip(path, where, reason)
                continue
            ocid = release["ocid"]
            key = f"{ocid}/{release['id']}"
            # Within one batch the later copy of a release wins, as it would across batches.
            self.pending.pop(key, None)
            self.pending[key] = Pending(ocid, key, parse_datetime(release["date"]),
                                        encode(release).decode(), seq)
        return n

    def take(self) -> dict[str, Pending]:
        """The releases collected so far; the collector starts afresh."""
        pending, self.pending = self.pending, {}
        return pending

    def extend(self, pending: dict[str, Pending]) -> None:
        """Add releases another collector took (later ones win, as in ``add``)."""
        for key, p in pending.items():
            self.pending.pop(key, None)
            self.pending[key] = p


class ReleaseStager(ReleaseCollector):
    """Collects releases and stores them batch by batch, inside the caller's transaction."""

    def __init__(self, session: AsyncSession, dataset: str, run_id: int | None, *,
                 validate: bool = False) -> None:
        super().__init__(validate=validate)
        self.session = session
        self.dataset = dataset
        self.run_id = run_id
        # Copy each batch as new releases until one turns out to be stored already.
        self.optimistic = True

    async def flush(self) -> tuple[int, int]:
        """Store the collected releases; returns (changed, unchanged)."""
        pending = self.take()
        if not pending:
            return 0, 0
        driver = await session_driver(self.session)
        if self.optimistic:
            if await self._copy_all(driver, pending):
                return len(pending), 0
            # Some were stored already: a re-import, or an update of the dataset. The
            # batches that follow take the lookup path.
            self.optimistic = False
        # Releases not stored yet are copied straight into the history and queued; only
        # the others go through the staging merge, which compares contents. Imports of one
        # dataset run one at a time, so no one adds these keys meanwhile (if one did, the
        # batch would fail on the unique key, not write twice).
        stored = {rec[0] for rec in await driver.fetch(_STORED, self.dataset, list(pending))}
        fresh = [p for key, p in pending.items() if key not in stored]
        if fresh:
            await self._copy(driver, fresh)
        changed = len(fresh)
        if stored:
            await self.session.execute(text(_STAGE))
            await self.session.execute(text("TRUNCATE _stage_releases"))
            await driver.copy_records_to_table(
                "_stage_releases",
                columns=["source_key", "version_key", "valid_from", "content", "seq"],
                records=[(p.ocid, p.version_key, p.valid_from, p.content, p.seq)
                         for key, p in pending.items() if key in stored])
            changed += int(await self.session.scalar(
                text(_MERGE), {"dataset": self.dataset, "run_id": self.run_id}) or 0)
        return changed, len(pending) - changed

    async def _copy_all(self, driver: Any, pending: dict[str, Pending]) -> bool:
        """Copy the whole batch as new releases, in a savepoint: the unique index finds
        the releases stored already for free, where a lookup per batch cost more than the
        copy itself (a first import grows the history faster than its statistics). False,
        with nothing written, when one was stored already."""
        # A plain SAVEPOINT statement, not the session's own (the session knows nothing of
        # this COPY); through the session so that its transaction has begun on the server.
        await self.session.execute(text("SAVEPOINT stage_releases"))
        try:
            await self._copy(driver, list(pending.values()))
        except UniqueViolationError:
            await driver.execute("ROLLBACK TO SAVEPOINT stage_releases")
            return False
        await driver.execute("RELEASE SAVEPOINT stage_releases")
        return True

    async def _copy(self, driver: Any, fresh: list[Pending]) -> None:
        """Copy releases not stored yet into the history, and queue their processes."""
        await driver.copy_records_to_table(
            "record_versions",
            columns=["dataset", "record_type", "source_key", "version_key", "valid_from",
                     "content", "import_run_id", "seq"],
            records=[(self.dataset, "release", p.ocid, p.version_key, p.valid_from,
                      p.content, self.run_id, p.seq) for p in fresh])
        await driver.execute(_QUEUE_NEW, self.dataset, [p.ocid for p in fresh],
                             [p.version_key for p in fresh])
