"""Reading ahead in a thread: parse and check the next batch while the database writes this
one. The queue is bounded, so memory stays flat; an error in the reader is re-raised in the
consumer; a consumer that stops early stops the reader."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
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
