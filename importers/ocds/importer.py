"""``registry import ocds PATH...``: OCDS releases, compiled into one contract per ``ocid``.

Input: release packages, record packages (their embedded releases; the compiled release only
when a record embeds none), JSON Lines of releases or of packages, JSON arrays, ``.gz`` and
``.zip`` (``importers/core/sources.py`` reads them all as a stream).

The releases of one ocid may be spread anywhere over the input, and memory must stay flat, so
an import runs in two phases, each in batches that commit with the run's checkpoint:
1. stage (``stage.py``): releases are checked and copied into ``record_versions`` (the
   history, and the idempotence key); each process with a new or changed release is queued
   in ``contracts_pending``;
2. compile (``compile.py``): every queued process is compiled once, with ``ocdsmerge``,
   and written as entities (``upsert_entities``) and contract rows (``contracts/bulk.py``);
   when many are queued, worker processes compile ranges of the queue in parallel, each on
   its own connection (``parallel.py``).
The input is read and checked in a thread, a batch ahead of the one being written.
A crash leaves a consistent database: the run resumes after its last committed batch, and
processes still queued are compiled by the next run on the dataset, whichever it is.
Memory is bounded by a few batches of releases and one chunk of processes per worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.core.batching import prefetched
from importers.core.gc_tuning import fewer_collections
from importers.core.runs import RunRecorder, Summary, run_import
from importers.core.sources import DEFAULT_ENCODING, iter_items
from registry.db.driver import connection_driver

from . import compile as ocds_compile
from . import parallel as ocds_parallel
from .compile import CHUNK, CompileResult
from .parallel import WORKERS
from .stage import Pending, ReleaseCollector, ReleaseStager

SOURCE = "ocds"
DEFAULT_DATASET = "ocds"
BATCH = 5_000  # input values per transaction
ANALYZE_AFTER = 20_000  # releases staged by a run before phase 2 refreshes the statistics


@dataclass
class Batch:
    """One transaction's worth of input, read, checked and encoded by the reader thread."""
    pending: dict[str, Pending] = field(default_factory=dict)
    marks: list[tuple[str, int]] = field(default_factory=list)  # (path, index) of each value
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (path, where, why)
    releases: int = 0  # releases inside the values beyond one per value


def read_batches(paths: list[str], recorder: RunRecorder, *, validate: bool,
                 batch: int, encoding: str = DEFAULT_ENCODING) -> Iterator[Batch]:
    """The input in batches of ``batch`` values; the last one may be empty. Runs in the
    reader thread: it only reads the recorder's resume point, and leaves counting, skip
    reports and checkpoints to the consumer, which applies them with the batch's commit."""
    collector = ReleaseCollector(validate=validate)
    current = Batch()

    def skip(path: str, where: str, reason: str) -> None:
        current.skipped.append((path, where, reason))

    for item in iter_items(paths, object_arrays=("releases", "records"), encoding=encoding):
        if recorder.should_skip(item.path, item.index):
            continue
        if item.error is not None:
            skip(item.path, item.position, item.error)
        else:
            n = collector.add(item.value, item.path, item.position, item.index, skip)
            current.releases += max(n - 1, 0)
        current.marks.append((item.path, item.index))
        if len(current.marks) >= batch:
            current.pending = collector.take()
            yield current
            current = Batch()
    current.pending = collector.take()
    yield current


async def import_values(session: AsyncSession, recorder: RunRecorder, dataset: str,
                        paths: list[str], *, validate: bool = False, batch: int = BATCH,
                        chunk: int = CHUNK, workers: int = WORKERS,
                        encoding: str = DEFAULT_ENCODING) -> None:
    """The body of an import run: stage every release, then compile what changed.

    The next batch is read and parsed in a thread while this one is written. The session
    commits asynchronously (``synchronous_commit = off``): a commit does not wait for its
    WAL to reach the disk. That is safe here because every batch commits its rows together
    with its checkpoint and its queue entries: a server crash can lose only the last
    commits, whole and in order, and the resumed run (or the next one on the dataset)
    redoes exactly those. Nothing is ever half-written.
    """
    await session.execute(text("SET synchronous_commit = off"))
    stager = ReleaseStager(session, dataset, recorder.id, validate=validate)
    summary = recorder.summary
    staged = 0
    reader = prefetched(read_batches(paths, recorder, validate=validate, batch=batch,
                                        encoding=encoding), 1)
    with closing(reader):  # a batch that fails stops the reader thread at once
        for b in reader:
            for path, where, reason in b.skipped:
                recorder.skip(path, where, reason)
            for path, index in b.marks:
                recorder.mark(path, index)
            summary.read += b.releases  # mark() counts the value itself
            stager.extend(b.pending)
            changed, unchanged = await stager.flush()
            staged += changed
            summary.unchanged += unchanged
            await recorder.checkpoint(session)

    if staged >= ANALYZE_AFTER:
        # The planner must know the history and the queue have grown before phase 2 reads
        # them by key (autovacuum may not have caught up within one long import). Only
        # the key columns: statistics of the release bodies and of the queued keys (most
        # of the cost, serial, between the phases) serve no query.
        await session.execute(text(
            "ANALYZE record_versions (dataset, record_type, source_key, version_key, "
            "valid_from)"))
        await session.execute(text("ANALYZE contracts_pending (dataset, ocid)"))
        await session.commit()
    recorder.progress.set_description(f"compile {SOURCE}")
    where = paths[0] if len(paths) == 1 else ", ".join(paths)
    conn = await session.connection()
    driver = await connection_driver(conn)
    if await ocds_parallel.worth_it(driver, dataset, chunk, workers):
        async def done(result: CompileResult) -> None:
            _count(summary, result)
            for position, reason in result.reports():
                recorder.skip(where, position, reason, stored=True)
            await recorder.checkpoint(session)

        url = conn.engine.url.render_as_string(hide_password=False)
        await ocds_parallel.compile_parallel(driver, url, dataset, recorder.id, where,
                                             chunk=chunk, workers=workers, on_result=done)
        return
    after: str | None = ""
    while after is not None:
        result, after = await ocds_compile.compile_chunk(session, dataset, recorder.id,
                                                         after, chunk)
        _count(summary, result)
        for position, reason in result.reports():
            recorder.skip(where, position, reason)
        await recorder.checkpoint(session)


def _count(summary: Summary, result: CompileResult) -> None:
    summary.imported += result.imported
    summary.updated += result.updated


async def import_ocds(database_url: str, paths: Iterable[str | Path], *,
                      dataset: str = DEFAULT_DATASET, validate: bool = False,
                      resume: bool = True, batch: int = BATCH, chunk: int = CHUNK,
                      workers: int = WORKERS, encoding: str = DEFAULT_ENCODING) -> Summary:
    """Import OCDS files into ``dataset``; returns the run's summary. ``workers``: processes
    that compile in parallel when enough processes are queued (1: compile in this one)."""
    names = [str(p) for p in paths]

    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        with fewer_collections():
            await import_values(session, recorder, dataset, names, validate=validate,
                                batch=batch, chunk=chunk, workers=workers,
                                encoding=encoding)

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
        problems.extend(f"{position}: {why}" for position, why in result.reports())
    if problems:
        raise ValueError("; ".join(problems))
    return summary
