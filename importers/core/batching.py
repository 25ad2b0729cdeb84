"""Batching with read-ahead: the next batch is prepared while the previous one is written,
in constant memory. The one module for it, with the two ways that fit the two shapes of
import:

- :func:`write_behind` (BODS, PSC, company registers, donations): preparation (parsing,
  checking, mapping: Python) overlaps the writing of the previous batch in one thread. The
  next batch is collected in the calling coroutine while the previous batch's writer runs as a
  task; every few items the collector yields to the event loop, so the writer issues its next
  statement as soon as the database answers. A reader *thread* overlaps the same work, but
  every time the writer's socket call returns it must wait for the reader to hand back the GIL
  (up to ``sys.getswitchinterval()``, 5 ms): over thousands of round trips that idled the
  database for longer than the parsing took. At most the batch being written and the one
  being collected are alive.
- :func:`prefetched` (OCDS): a reader thread hands over whole batches (read, parsed and
  checked), at most ``depth`` ahead, while the staging of the previous one runs. The queue is
  bounded, so memory stays flat; an error in the reader is re-raised in the consumer; a
  consumer that stops early stops the reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Coroutine, Generator, Iterable
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


_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetched(items: Iterable[T], depth: int) -> Generator[T, None, None]:
    """Iterate ``items`` in a background thread, at most ``depth`` ahead."""
    q: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failure(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=run, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            value = q.get()
            if value is _DONE:
                return
            if isinstance(value, _Failure):
                raise value.exc
            yield value
    finally:
        stop.set()
        thread.join(timeout=5)
