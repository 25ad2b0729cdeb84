"""Overlapping the preparation of a batch (parsing, checking, mapping: Python) with the
writing of the previous one (the database), in one thread.

The next batch is collected in the calling coroutine while the previous batch's writer runs
as a task; every few items the collector yields to the event loop, so the writer issues its
next statement as soon as the database answers. A reader *thread* overlaps the same work,
but every time the writer's socket call returns it must wait for the reader to hand back the
GIL (up to ``sys.getswitchinterval()``, 5 ms): over thousands of round trips that idled the
database for longer than the parsing took. Memory stays flat: at most the batch being
written and the one being collected are alive.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
YIELD_EVERY = 16  # items collected between turns of the event loop (well under 1 ms)


async def write_behind(items: Iterable[T], size: int,
                       write: Callable[[list[T]], Coroutine[Any, Any, None]]) -> None:
    """Call ``write`` on consecutive batches of ``size`` items, in order, one at a time;
    the next batch is collected while the previous one is written. An error in ``write``
    stops the collection and is raised; an error while collecting is raised after the
    batch being written has finished (committed or failed)."""
    it = iter(items)
    writing: asyncio.Task[None] | None = None
    try:
        while True:
            batch: list[T] = []
            for item in it:
                batch.append(item)
                if len(batch) >= size:
                    break
                if len(batch) % YIELD_EVERY == 0 and writing is not None and not writing.done():
                    await asyncio.sleep(0)
            if writing is not None:
                done, writing = writing, None
                await done
            if not batch:
                return
            writing = asyncio.create_task(write(batch))
    finally:
        if writing is not None:
            # Collecting failed (or was cancelled) while a batch was being written: let that
            # batch finish rather than abandon its transaction half way.
            # The collector's error is the one to report.
            with contextlib.suppress(BaseException):
                await writing
