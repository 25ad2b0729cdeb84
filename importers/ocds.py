"""``registry import ocds PATH...``: OCDS releases, compiled into one contract per ``ocid``.

Input: release packages, record packages (their embedded releases; the compiled release only
when a record embeds none), JSON Lines of releases or of packages, JSON arrays, ``.gz`` and
``.zip`` (``importers/sources.py`` reads them all as a stream).

The releases of one ocid may be spread anywhere over the input, and memory must stay flat, so
an import runs in two phases, each in batches that commit with the run's checkpoint:
1. stage (``ocds_stage.py``): releases are checked and copied into ``record_versions`` (the
   history, and the idempotence key); each process with a new or changed release is queued
   in ``contracts_pending``;
2. compile (``ocds_compile.py``): every queued process is compiled once, with ``ocdsmerge``,
   and written as entities (``upsert_entities``) and contract rows (``contracts/bulk.py``).
A crash leaves a consistent database: the run resumes after its last committed batch, and
processes still queued are compiled by the next run on the dataset, whichever it is.
Memory is bounded by one batch of releases and one chunk of processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.runs import RunRecorder, Summary, run_import
from importers.sources import iter_items

from . import ocds_compile
from .ocds_compile import CHUNK, CompileResult
from .ocds_stage import ReleaseStager

SOURCE = "ocds"
DEFAULT_DATASET = "ocds"
BATCH = 5_000  # input values per transaction
ANALYZE_AFTER = 20_000  # releases staged by a run before phase 2 refreshes the statistics


async def import_values(session: AsyncSession, recorder: RunRecorder, dataset: str,
                        paths: list[str], *, validate: bool = False, batch: int = BATCH,
                        chunk: int = CHUNK) -> None:
    """The body of an import run: stage every release, then compile what changed."""
    stager = ReleaseStager(session, dataset, recorder.id, validate=validate)
    summary = recorder.summary
    in_batch = 0

    staged = 0

    async def flush() -> None:
        nonlocal staged
        changed, unchanged = await stager.flush()
        staged += changed
        summary.unchanged += unchanged
        await recorder.checkpoint(session)

    for item in iter_items(paths, object_arrays=("releases", "records")):
        if recorder.should_skip(item.path, item.index):
            continue
        if item.error is not None:
            recorder.skip(item.path, item.position, item.error)
        else:
            n = stager.add(item.value, item.path, item.position, item.index, recorder.skip)
            summary.read += max(n - 1, 0)  # mark() counts the value itself
        recorder.mark(item.path, item.index)
        in_batch += 1
        if in_batch >= batch:
            await flush()
            in_batch = 0
    await flush()

    if staged >= ANALYZE_AFTER:
        # The planner must know the history and the queue have grown before phase 2 reads
        # them by key (autovacuum may not have caught up within one long import).
        await session.execute(text("ANALYZE record_versions"))
        await session.execute(text("ANALYZE contracts_pending"))
        await session.commit()
    recorder.progress.set_description(f"compile {SOURCE}")
    where = paths[0] if len(paths) == 1 else ", ".join(paths)
    after: str | None = ""
    while after is not None:
        result, after = await ocds_compile.compile_chunk(session, dataset, recorder.id,
                                                         after, chunk)
        _count(summary, result)
        for ocid, position, reason in result.rejected:
            recorder.skip(where, f"{position} of {ocid}", reason)
        await recorder.checkpoint(session)


def _count(summary: Summary, result: CompileResult) -> None:
    summary.imported += result.imported
    summary.updated += result.updated


async def import_ocds(database_url: str, paths: Iterable[str | Path], *,
                      dataset: str = DEFAULT_DATASET, validate: bool = False,
                      resume: bool = True, batch: int = BATCH, chunk: int = CHUNK) -> Summary:
    """Import OCDS files into ``dataset``; returns the run's summary."""
    names = [str(p) for p in paths]

    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        await import_values(session, recorder, dataset, names, validate=validate, batch=batch,
                            chunk=chunk)

    return await run_import(database_url, dataset=dataset, source=SOURCE, paths=names,
                            body=body, resume=resume, title=f"OCDS: {dataset}")


async def write_releases(session: AsyncSession, dataset: str,
                         releases: Iterable[dict[str, Any]]) -> Summary:
    """Import a few releases in the caller's transaction, without an import run (the demo
    does). Raises ValueError on a release the importer would skip."""
    stager = ReleaseStager(session, dataset, None)
    problems: list[str] = []
    summary = Summary()

    def skip(path: str, position: str, reason: str) -> None:
        problems.append(f"{position}: {reason}")

    for n, release in enumerate(releases):
        stager.add(release, "<memory>", f"release {n + 1}", n, skip)
        summary.read += 1
    _, summary.unchanged = await stager.flush()
    after: str | None = ""
    while after is not None:
        result, after = await ocds_compile.compile_chunk(session, dataset, None, after)
        _count(summary, result)
        problems.extend(f"{where} of {ocid}: {why}" for ocid, where, why in result.rejected)
    if problems:
        raise ValueError("; ".join(problems))
    return summary
