"""Phase 2 of an OCDS import: compile each queued process once, with ``ocdsmerge``.

Processes come from ``contracts_pending`` in chunks (one transaction each). When every
release stored since the last compile is new and dated at or after the stored compiled
release (the usual case for a newer release), they are merged into the compiled release: the
same result as compiling all releases in date order, without reading the history. Otherwise
(a new process, a corrected release, one older than the compiled release) every release of
the process is read back from ``record_versions`` and compiled again. A release that cannot
be merged with the others is reported, deleted from the history (so that the history is what
the record was compiled from) and left out. Merge rules come from the bundled OCDS 1.1
release schema; nothing is fetched online.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec
from ocdsmerge import Merger
from ocdsmerge.exceptions import OCDSMergeError
from ocdsmerge.merge import CompiledRelease
from ocdsmerge.rules import get_merge_rules
from sqlalchemy.ext.asyncio import AsyncSession

from registry.contracts.bulk import ContractRow, write_contracts
from registry.db.driver import session_driver
from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import ImportError_
from registry.standards import ocds as ocds_schema

from .mapping import map_compiled
from .single import compile_single

CHUNK = 1_000  # processes per transaction
_MERGE_ERRORS = (OCDSMergeError, TypeError, ValueError, KeyError, AttributeError)

_QUEUE = """
SELECT ocid, new_keys, recompile FROM contracts_pending
WHERE dataset = $1 AND ocid > $2 AND ($4::text IS NULL OR ocid <= $4) ORDER BY ocid LIMIT $3
"""
_CURRENT = """
SELECT ocid, compiled::text, release_count FROM contracts
WHERE dataset = $1 AND ocid = ANY($2::text[])
"""
_BY_KEY = """
SELECT source_key, version_key, content::text, seq FROM record_versions
WHERE dataset = $1 AND record_type = 'release' AND version_key = ANY($2::text[])
ORDER BY source_key, valid_from, seq, id
"""
_ALL = """
SELECT source_key, version_key, content::text, seq FROM record_versions
WHERE dataset = $1 AND record_type = 'release' AND source_key = ANY($2::text[])
ORDER BY source_key, valid_from, seq, id
"""


@cache
def merger() -> Merger:
    """The OCDS merger with the rules of the bundled 1.1 release schema (no network)."""
    return Merger(merge_rules=get_merge_rules(str(ocds_schema.schema_path())))


@dataclass(slots=True)
class Stored:
    version_key: str
    release: dict[str, Any]
    seq: int


@dataclass
class CompileResult:
    imported: int = 0  # releases of processes new to the dataset
    updated: int = 0  # new or corrected releases of known processes
    contracts: int = 0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # ocid, where, why

    def add(self, other: CompileResult) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.contracts += other.contracts
        self.rejected.extend(other.rejected)

    def reports(self) -> list[tuple[str, str]]:
        """(position, reason) of each rejected release, as the import run reports it."""
        return [(f"{where} of {ocid}", reason) for ocid, where, reason in self.rejected]


def extend(compiled: dict[str, Any], releases: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The compiled release with these newer releases merged in; None when that would not
    equal compiling every release (one is older than the compiled release) or fails."""
    latest = compiled.get("date")
    if not isinstance(latest, str) or any(str(r.get("date")) < latest for r in releases):
        return None
    merged = CompiledRelease(data=compiled, merge_rules=merger().merge_rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns about duplicate ids; not fatal
        try:
            merged.extend(releases)
            out: dict[str, Any] = merged.asdict()
        except _MERGE_ERRORS:
            return None
    return out


def compile_all(old: list[Stored], new: list[Stored]
                ) -> tuple[dict[str, Any] | None, list[tuple[Stored, str]]]:
    """Compile a process from its releases; a new release that breaks the merge is
    rejected with the reason."""
    m = merger()
    if len(old) + len(new) == 1:  # most processes of many publishers: no merging to do
        single = compile_single([*old, *new][0].release, m.merge_rules)
        if single is not None:
            return single, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return m.create_compiled_release([s.release for s in [*old, *new]]), []
        except _MERGE_ERRORS:
            pass
        # Find the culprits: add the new releases one at a time, in date order.
        accepted = [s.release for s in old]
        bad: list[tuple[Stored, str]] = []
        compiled: dict[str, Any] | None = None
        for s in sorted(new, key=lambda s: str(s.release.get("date"))):
            try:
                compiled = m.create_compiled_release([*accepted, s.release])
                accepted.append(s.release)
            except _MERGE_ERRORS as exc:
                bad.append((s, f"merge conflict: {exc}"[:500]))
        if compiled is None and accepted:
            try:
                compiled = m.create_compiled_release(accepted)
            except _MERGE_ERRORS:
                compiled = None
        return compiled, bad


async def _fetch(driver: Any, sql: str, *args: Any) -> dict[str, list[Stored]]:
    out: dict[str, list[Stored]] = {}
    for rec in await driver.fetch(sql, *args):
        out.setdefault(rec[0], []).append(
            Stored(rec[1], msgspec.json.decode(rec[2]), rec[3]))
    return out


async def compile_chunk(session: AsyncSession, dataset: str, run_id: int | None,
                        after: str = "", limit: int = CHUNK, upto: str | None = None
                        ) -> tuple[CompileResult, str | None]:
    """Compile the next ``limit`` queued processes after ``after`` and up to ``upto`` (inside
    the caller's transaction); returns the result and the last ocid done (None when there
    is none left)."""
    driver = await session_driver(session)
    queue = await driver.fetch(_QUEUE, dataset, after, limit, upto)
    result = CompileResult()
    if not queue:
        return result, None
    ocids = [q[0] for q in queue]
    new_keys = {q[0]: list(dict.fromkeys(q[1])) for q in queue}
    current = {r[0]: (r[1], r[2]) for r in await driver.fetch(_CURRENT, dataset, ocids)}

    compiled: dict[str, tuple[dict[str, Any], int]] = {}  # ocid -> (compiled, releases)
    full = [q[0] for q in queue if q[2] or q[0] not in current]
    needs_all = set(full)
    quick = [o for o in ocids if o not in needs_all]
    if quick:
        fresh = await _fetch(driver, _BY_KEY, dataset,
                             [k for o in quick for k in new_keys[o]])
        for ocid in quick:
            releases = fresh.get(ocid, [])
            stored, count = current[ocid]
            merged = extend(msgspec.json.decode(stored), [s.release for s in releases])
            if merged is None:
                full.append(ocid)
            else:
                compiled[ocid] = merged, count + len(releases)
    rejected: list[str] = []
    if full:
        everything = await _fetch(driver, _ALL, dataset, full)
        for ocid in full:
            releases = everything.get(ocid, [])
            keys = set(new_keys[ocid])
            merged_all, bad = compile_all([s for s in releases if s.version_key not in keys],
                                          [s for s in releases if s.version_key in keys])
            for s, reason in bad:
                rid = s.version_key[len(ocid) + 1:]
                result.rejected.append((ocid, f"item {s.seq + 1}, release {rid}", reason))
                rejected.append(s.version_key)
            if merged_all is not None:
                compiled[ocid] = merged_all, len(releases) - len(bad)
    if rejected:
        await driver.execute(
            "DELETE FROM record_versions WHERE dataset = $1 AND record_type = 'release' "
            "AND version_key = ANY($2::text[])", dataset, rejected)
    for ocid in ocids:
        n = len(set(new_keys[ocid]).difference(rejected))
        if ocid in current:
            result.updated += n
        else:
            result.imported += n

    rows: list[ContractRow] = []
    entities: list[EntityRow] = []
    for ocid in ocids:
        if ocid in compiled:
            row, ents = map_compiled(*compiled[ocid])
            rows.append(row)
            entities.extend(ents)
    bulk = await upsert_entities(session, dataset, run_id, entities)
    await write_contracts(session, dataset, run_id, rows, bulk.ids)
    await driver.execute("DELETE FROM contracts_pending WHERE dataset = $1 "
                         "AND ocid = ANY($2::text[])", dataset, ocids)
    result.contracts = len(rows)
    return result, ocids[-1]


async def compile_range(session: AsyncSession, dataset: str, run_id: int, where: str,
                        after: str, upto: str | None, limit: int = CHUNK) -> CompileResult:
    """Compile every queued process after ``after`` and up to ``upto`` (all after it when
    None), committing chunk by chunk: each chunk's rows, the removal of its processes from
    the queue and the reports of its rejected releases go in one transaction. A process
    pool worker runs this on its own connection; ranges never overlap, nor do the entities
    they write (their keys start with the ocid)."""
    total = CompileResult()
    next_after: str | None = after
    while next_after is not None:
        result, next_after = await compile_chunk(session, dataset, run_id, next_after, limit,
                                                 upto)
        session.add_all([ImportError_(run_id=run_id, path=where, position=position,
                                      reason=reason[:2000])
                         for position, reason in result.reports()])
        await session.commit()
        total.add(result)
    return total
