"""Fewer garbage collections during a bulk import: the one place the collector is tuned.

An import allocates millions of short-lived dicts and lists (parsed JSON, rows) while a batch
of them stays alive; with the default thresholds CPython's cyclic collector runs every 700
allocations and keeps re-scanning the live batch, which cost about a third of the OCDS
importer's CPU. Nearly all of that garbage is acyclic and freed by reference counting at once,
so collecting cycles less often keeps memory flat all the same.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

# The OCDS importer's (and its compiling workers').
THRESHOLDS = (50_000, 20, 100)
# The batch writers' (ownership sources, company registers): above what two batches of a few
# hundred thousand small objects keep alive, so collections happen only if reference cycles
# pile up.
BATCH_THRESHOLDS = (1_000_000, 50, 100)


@contextmanager
def fewer_collections(thresholds: tuple[int, int, int] = THRESHOLDS) -> Iterator[None]:
    """Raise the collector's thresholds, and leave what already exists (the modules, the
    app, the ORM's metadata) out of its scans, until the block ends."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def batch_gc() -> AbstractContextManager[None]:
    """Keep the collector out of the way while batches of thousands of small objects are
    built (a quarter of an ownership import's Python time went to rescanning the live batch,
    finding nothing: the rows are freed by reference counting)."""
    return fewer_collections(BATCH_THRESHOLDS)


def tune_process(thresholds: tuple[int, int, int] = THRESHOLDS) -> None:
    """The same for a worker process that lives for one import: never restored."""
    gc.freeze()
    gc.set_threshold(*thresholds)
