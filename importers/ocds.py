"""``registry import ocds PATH...``: OCDS releases, compiled into one contract per ``ocid``.

Input: release packages, record packages, JSON Lines of releases or of packages, JSON arrays,
``.gz`` and ``.zip`` (``importers/sources.py`` reads them all as a stream).

How memory stays flat although the releases of one ``ocid`` may be spread over the file:
1. releases are taken in batches (``BATCH`` input values); each batch is copied into
   ``record_versions`` (record type ``release``, source key = ocid, version key =
   ``{ocid}/{release id}``) with one ``INSERT ... ON CONFLICT``. That table is the history and
   the idempotence key: a release already stored with the same content changes nothing.
2. only the ocids that received a new or changed release are compiled: their other releases
   are read back from ``record_versions`` and all of them go through ``ocdsmerge`` (the OCDS
   merge rules, from the bundled 1.1 release schema; never fetched online).
3. the compiled releases become entities (``upsert_entities``: an unchanged party writes
   nothing) and contract rows (``registry/contracts/bulk.py``), and the batch commits together
   with the run's checkpoint, so a crash leaves a consistent database and a resumable run.
Memory is bounded by the batch plus the releases of the ocids it touches.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from ocdsmerge import Merger
from ocdsmerge.exceptions import OCDSMergeError
from ocdsmerge.rules import get_merge_rules
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.runs import RunRecorder, Summary, run_import
from importers.sources import iter_items
from registry.contracts.bulk import ContractRow, write_contracts
from registry.entities.bulk import EntityRow, upsert_entities
from registry.standards import ocds as ocds_schema

from .ocds_mapping import map_compiled
from .ocds_releases import check_release, parse_datetime, releases_of

SOURCE = "ocds"
DEFAULT_DATASET = "ocds"
BATCH = 2_000  # input values per transaction
RECORD_TYPE = "release"

SkipFn = Callable[[str, str, str], None]  # (path, position, reason)


@cache
def merger() -> Merger:
    """The OCDS merger with the rules of the bundled 1.1 release schema (no network)."""
    return Merger(merge_rules=get_merge_rules(str(ocds_schema.schema_path())))


@dataclass(slots=True)
class Pending:
    ocid: str
    version_key: str
    release: dict[str, Any]
    path: str
    position: str
    seq: int


@dataclass
class BatchResult:
    imported: int = 0  # new releases of processes not seen before
    updated: int = 0  # new or corrected releases of known processes
    unchanged: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # path, position, why
    contracts: int = 0


_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS _stage_releases (
    source_key text, version_key text, valid_from timestamptz, content jsonb, seq integer
) ON COMMIT DELETE ROWS
"""
_MERGE = """
INSERT INTO record_versions (dataset, record_type, source_key, version_key, valid_from,
                             content, import_run_id, seq)
SELECT :dataset, 'release', source_key, version_key, valid_from, content, :run_id, seq
FROM _stage_releases
ON CONFLICT (dataset, record_type, version_key) DO UPDATE SET
    content = EXCLUDED.content, valid_from = EXCLUDED.valid_from,
    import_run_id = EXCLUDED.import_run_id, seq = EXCLUDED.seq
WHERE record_versions.content IS DISTINCT FROM EXCLUDED.content
RETURNING version_key
"""
_STORED = """
SELECT source_key, version_key, content::text FROM record_versions
WHERE dataset = $1 AND record_type = 'release' AND source_key = ANY($2::text[])
  AND NOT (version_key = ANY($3::text[]))
ORDER BY source_key, valid_from, seq, id
"""


async def _driver(session: AsyncSession) -> Any:
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


class ReleaseWriter:
    """Collects releases and writes them batch by batch, inside the caller's transaction."""

    def __init__(self, session: AsyncSession, dataset: str, run_id: int | None, *,
                 validate: bool = False) -> None:
        self.session = session
        self.dataset = dataset
        self.run_id = run_id
        self.validate = validate
        self.pending: dict[str, Pending] = {}

    def add(self, value: Any, path: str, position: str, seq: int, skip: SkipFn) -> int:
        """Take the releases inside one input value; returns how many releases it held."""
        n = 0
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
            ocid = release["ocid"].strip()
            key = f"{ocid}/{release['id']}"
            # Within one batch the later copy of a release wins, as it would across batches.
            self.pending.pop(key, None)
            self.pending[key] = Pending(ocid, key, release, path, where, seq)
        return n

    async def flush(self) -> BatchResult:
        pending, self.pending = self.pending, {}
        result = BatchResult()
        if not pending:
            return result
        session, driver = self.session, await _driver(self.session)
        await session.execute(text(_STAGE))
        await session.execute(text("TRUNCATE _stage_releases"))
        encode = msgspec.json.encode
        await driver.copy_records_to_table(
            "_stage_releases",
            columns=["source_key", "version_key", "valid_from", "content", "seq"],
            records=[(p.ocid, p.version_key, parse_datetime(p.release["date"]),
                      encode(p.release).decode(), p.seq) for p in pending.values()])
        changed = {r[0] for r in await session.execute(
            text(_MERGE), {"dataset": self.dataset, "run_id": self.run_id})}
        result.unchanged = len(pending) - len(changed)
        if not changed:
            return result

        touched = sorted({pending[k].ocid for k in changed})
        known = {r[0] for r in await driver.fetch(
            "SELECT ocid FROM contracts WHERE dataset = $1 AND ocid = ANY($2::text[])",
            self.dataset, touched)}
        by_ocid: dict[str, list[dict[str, Any]]] = {o: [] for o in touched}
        for rec in await driver.fetch(_STORED, self.dataset, touched, list(pending)):
            by_ocid[rec[0]].append(msgspec.json.decode(rec[2]))
        stored_counts = {o: len(rs) for o, rs in by_ocid.items()}
        batch_by_ocid: dict[str, list[Pending]] = {}
        for p in pending.values():
            if p.ocid in by_ocid:
                batch_by_ocid.setdefault(p.ocid, []).append(p)

        rows: list[ContractRow] = []
        entities: list[EntityRow] = []
        rejected: list[str] = []
        for ocid in touched:
            compiled, bad = _compile(by_ocid[ocid], batch_by_ocid[ocid])
            for p, reason in bad:
                result.skipped.append((p.path, p.position, reason))
                rejected.append(p.version_key)
            if compiled is None:
                continue
            count = stored_counts[ocid] + len(batch_by_ocid[ocid]) - len(bad)
            row, ents = map_compiled(compiled, count)
            rows.append(row)
            entities.extend(ents)
        if rejected:
            # A release that cannot be merged with the others is not kept: the stored
            # history is exactly what the compiled records were made from.
            await session.execute(
                text("DELETE FROM record_versions WHERE dataset = :d AND record_type = "
                     "'release' AND version_key = ANY(:k)"),
                {"d": self.dataset, "k": rejected})
        for key in changed.difference(rejected):
            if pending[key].ocid in known:
                result.updated += 1
            else:
                result.imported += 1

        bulk = await upsert_entities(session, self.dataset, self.run_id, entities)
        fresh = sorted(bulk.ids[k] for k in bulk.inserted | bulk.updated)
        if fresh:  # the search index picks changed entities up from the outbox
            await driver.copy_records_to_table("search_outbox", columns=["entity_id"],
                                               records=[(i,) for i in fresh])
        await write_contracts(session, self.dataset, self.run_id, rows, bulk.ids)
        result.contracts = len(rows)
        return result


def _compile(stored: list[dict[str, Any]], batch: list[Pending]
             ) -> tuple[dict[str, Any] | None, list[tuple[Pending, str]]]:
    """Compile one process; a batch release that breaks the merge is rejected with why."""
    m = merger()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns about duplicate ids; not fatal
        try:
            return m.create_compiled_release([*stored, *(p.release for p in batch)]), []
        except (OCDSMergeError, TypeError, ValueError, KeyError, AttributeError):
            pass
        # Find the culprits: add the new releases one at a time, in date order.
        accepted = list(stored)
        bad: list[tuple[Pending, str]] = []
        compiled: dict[str, Any] | None = None
        for p in sorted(batch, key=lambda p: str(p.release.get("date"))):
            try:
                compiled = m.create_compiled_release([*accepted, p.release])
                accepted.append(p.release)
            except (OCDSMergeError, TypeError, ValueError, KeyError, AttributeError) as exc:
                bad.append((p, f"merge conflict: {exc}"[:500]))
        if compiled is None and accepted:
            try:
                compiled = m.create_compiled_release(accepted)
            except (OCDSMergeError, TypeError, ValueError, KeyError, AttributeError):
                compiled = None
        return compiled, bad


async def import_values(session: AsyncSession, recorder: RunRecorder, dataset: str,
                        paths: list[str], *, validate: bool = False,
                        batch: int = BATCH) -> None:
    """The body of an import run: stream, batch, write, checkpoint."""
    writer = ReleaseWriter(session, dataset, recorder.id, validate=validate)
    summary = recorder.summary
    in_batch = 0

    async def flush() -> None:
        result = await writer.flush()
        summary.imported += result.imported
        summary.updated += result.updated
        summary.unchanged += result.unchanged
        for path, position, reason in result.skipped:
            recorder.skip(path, position, reason)
        await recorder.checkpoint(session)

    for item in iter_items(paths, object_arrays=("releases", "records")):
        if recorder.should_skip(item.path, item.index):
            continue
        if item.error is not None:
            recorder.skip(item.path, item.position, item.error)
        else:
            n = writer.add(item.value, item.path, item.position, item.index, recorder.skip)
            summary.read += max(n - 1, 0)  # mark() counts the value itself
        recorder.mark(item.path, item.index)
        in_batch += 1
        if in_batch >= batch:
            await flush()
            in_batch = 0
    await flush()


async def import_ocds(database_url: str, paths: Iterable[str | Path], *,
                      dataset: str = DEFAULT_DATASET, validate: bool = False,
                      resume: bool = True, batch: int = BATCH) -> Summary:
    """Import OCDS files into ``dataset``; returns the run's summary."""
    names = [str(p) for p in paths]

    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        await import_values(session, recorder, dataset, names, validate=validate, batch=batch)

    return await run_import(database_url, dataset=dataset, source=SOURCE, paths=names,
                            body=body, resume=resume, title=f"OCDS: {dataset}")


async def write_releases(session: AsyncSession, dataset: str,
                         releases: Iterable[dict[str, Any]]) -> BatchResult:
    """Write a few releases in the caller's transaction (no import run): the demo uses it.
    Raises ValueError on a release the importer would skip."""
    writer = ReleaseWriter(session, dataset, None)
    problems: list[str] = []

    def skip(path: str, position: str, reason: str) -> None:
        problems.append(f"{position}: {reason}")

    for n, release in enumerate(releases):
        writer.add(release, "<memory>", f"release {n + 1}", n, skip)
    result = await writer.flush()
    problems.extend(f"{pos}: {why}" for _, pos, why in result.skipped)
    if problems:
        raise ValueError("; ".join(problems))
    return result
