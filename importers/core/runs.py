"""Bookkeeping shared by every importer: the import run, skipped records with their
position and reason, counts, progress, checkpoints for resuming, and the final summary.

An importer commits in batches; each batch commit also stores the checkpoint (how many items
of which file are done) in the same transaction, so a crash leaves the database consistent
and ``--resume`` (the default) continues after the last committed batch.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from registry.db.engine import sessions
from registry.models import Dataset, ImportError_, ImportRun

MAX_ERRORS_STORED = 10_000  # per run; the counts stay exact beyond it
PROGRESS_EVERY = 256  # items marked between progress bar updates


@dataclass
class Summary:
    read: int = 0
    imported: int = 0  # new records
    updated: int = 0  # new versions of known records
    unchanged: int = 0  # already imported: re-running the same input changes nothing
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    run_id: int | None = None  # the import run, once finished (linking after it needs it)

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "imported": self.imported, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": self.skipped,
                "skipped_reasons": dict(self.reasons.most_common(20))}

    def render(self) -> str:
        lines = [f"read {self.read:,}  imported {self.imported:,}  updated {self.updated:,}  "
                 f"unchanged {self.unchanged:,}  skipped {self.skipped:,}"]
        for reason, n in self.reasons.most_common(10):
            lines.append(f"  skipped {n:,}: {reason}")
        return "\n".join(lines)


class RunRecorder:
    """One import run. Create with ``await RunRecorder.start(...)``."""

    def __init__(self, run: ImportRun, resume_from: dict[str, int]) -> None:
        self.run = run
        self.summary = Summary()
        self.resume_from = resume_from  # file -> items already committed
        self.done: dict[str, int] = dict(resume_from)
        self.committed: dict[str, int] = dict(resume_from)  # `done` as of the last commit
        self._errors_stored = 0
        self._pending_errors: list[ImportError_] = []
        self._unshown = 0  # items marked but not shown on the progress bar yet
        self.progress = tqdm(unit=" rec", desc=f"import {run.source}", file=sys.stderr,
                             disable=None, mininterval=0.5, smoothing=0.1)

    @classmethod
    async def start(cls, session: AsyncSession, *, dataset: str, source: str,
                    paths: list[str], title: str = "", resume: bool = True) -> RunRecorder:
        if await session.get(Dataset, dataset) is None:
            session.add(Dataset(name=dataset, title=title or dataset, source=source))
            await session.flush()
        previous = None
        if resume:
            previous = (await session.scalars(
                select(ImportRun).where(ImportRun.dataset == dataset, ImportRun.source == source,
                                        ImportRun.status.in_(("running", "failed")))
                .order_by(ImportRun.id.desc()).limit(1))).first()
        if previous is not None and previous.paths == paths:
            previous.status = "running"
            await session.commit()
            return cls(previous, {k: int(v) for k, v in previous.checkpoint.items()})
        run = ImportRun(dataset=dataset, source=source, paths=paths, status="running")
        session.add(run)
        await session.commit()
        return cls(run, {})

    @property
    def id(self) -> int:
        return self.run.id

    def should_skip(self, path: str, index: int) -> bool:
        """True for items a crashed earlier attempt of this run already committed."""
        return index < self.resume_from.get(path, 0)

    def mark(self, path: str, index: int) -> None:
        """This item is handled (imported or skipped); committed with the next checkpoint."""
        self.done[path] = max(self.done.get(path, 0), index + 1)
        self.summary.read += 1
        self._unshown += 1
        if self._unshown >= PROGRESS_EVERY:
            self._show_progress()

    def _show_progress(self) -> None:
        # tqdm's update costs microseconds; per item it was a visible share of an import.
        if self._unshown:
            self.progress.update(self._unshown)
            self._unshown = 0

    def skip(self, path: str, position: str, reason: str, *, stored: bool = False) -> None:
        """Count a skipped record and report it with the next checkpoint; ``stored``: the
        report is already in the database (a worker process wrote it with its batch)."""
        self.summary.skipped += 1
        self.summary.reasons[reason.split(":")[0][:120]] += 1
        if stored:
            self._errors_stored += 1
        elif self._errors_stored < MAX_ERRORS_STORED:
            self._errors_stored += 1
            self._pending_errors.append(ImportError_(run_id=self.run.id, path=path,
                                                     position=position, reason=reason[:2000]))

    async def checkpoint(self, session: AsyncSession) -> None:
        """Add the checkpoint and the skipped records to the batch, then commit it."""
        session.add_all(self._pending_errors)
        self._pending_errors = []
        run = await session.merge(self.run, load=False)
        run.checkpoint = dict(self.done)
        run.counts = self.summary.as_dict()
        await session.commit()
        self.committed = dict(self.done)
        self.run = run
        self._show_progress()

    async def finish(self, session: AsyncSession, status: str = "completed") -> Summary:
        if status != "completed":
            # The batch in flight was rolled back: its items (and their skip reports) are
            # read again on resume, so the checkpoint must stay at the last commit.
            self._pending_errors = []
            self.done = dict(self.committed)
        session.add_all(self._pending_errors)
        self._pending_errors = []
        run = await session.merge(self.run, load=False)
        run.status = status
        run.checkpoint = dict(self.done)
        run.counts = self.summary.as_dict()
        run.finished_at = dt.datetime.now(dt.UTC)
        await session.commit()
        self._show_progress()
        self.progress.close()
        self.summary.run_id = run.id
        return self.summary


ImportBody = Callable[[AsyncSession, RunRecorder], Awaitable[None]]


async def run_import(database_url: str, *, dataset: str, source: str, paths: list[str],
                     body: ImportBody, resume: bool = True, title: str = "") -> Summary:
    """Open a run, let ``body`` stream the input and commit batches through
    ``recorder.checkpoint``, then close the run as completed (or failed, re-raising)."""
    async with sessions(database_url) as sessionmaker, sessionmaker() as session:
        recorder = await RunRecorder.start(session, dataset=dataset, source=source,
                                           paths=paths, title=title, resume=resume)
        try:
            await body(session, recorder)
        except BaseException:
            await session.rollback()
            async with sessionmaker() as other:
                await recorder.finish(other, status="failed")
            raise
        return await recorder.finish(session)
