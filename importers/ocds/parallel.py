"""Phase 2 of an OCDS import in worker processes: compiling is CPU-bound Python (ocdsmerge,
mapping), so one process per core compiles its own ranges of the queue on its own database
connection, while the database writes what another compiled.

The main process only cuts the queue into ranges of ``chunk`` ocids (keyset, by ocid) and
hands them out, a few ahead; each worker compiles its range chunk by chunk with
``compile.compile_range``, committing each chunk with the removal of its processes from
the queue and the reports of its rejected releases. Ranges are disjoint and so are the
entities they write (keys start with the ocid), so workers never wait on each other. A crash
anywhere leaves every chunk either committed or still queued, as in the serial path.
Workers are spawned, not forked: a fork would copy the running event loop.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.util import Finalize
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from importers.core.gc_tuning import tune_process
from registry.db.engine import make_engine, make_sessionmaker

from .compile import CompileResult, compile_range

WORKERS = max(1, min(4, os.cpu_count() or 1))
# Processes queued from which workers pay off: starting one costs about a second of CPU
# (a fresh interpreter importing the registry), compiling 5,000 processes several.
PARALLEL_FROM = 5_000

# The first ocid after `after` that ends a chunk of `$3` queued processes.
_BOUNDARY = """
SELECT ocid FROM contracts_pending WHERE dataset = $1 AND ocid > $2
ORDER BY ocid OFFSET $3 - 1 LIMIT 1
"""


@dataclass
class _State:
    loop: asyncio.AbstractEventLoop
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


_state: _State | None = None  # one per worker process


def _init_worker(url: str) -> None:
    global _state
    tune_process()
    loop = asyncio.new_event_loop()
    engine = make_engine(url, pool_size=1, pool_pre_ping=False)
    _state = _State(loop, engine, make_sessionmaker(engine))
    Finalize(_state, _close_worker, args=(_state,), exitpriority=10)


def _close_worker(state: _State) -> None:
    state.loop.run_until_complete(state.engine.dispose())
    state.loop.close()


async def _compile(state: _State, dataset: str, run_id: int, where: str, after: str,
                   upto: str | None, chunk: int) -> CompileResult:
    async with state.sessions() as session:
        # see importers/ocds/importer.py
        await session.execute(text("SET synchronous_commit = off"))
        return await compile_range(session, dataset, run_id, where, after, upto, chunk)


def _job(dataset: str, run_id: int, where: str, after: str, upto: str | None,
         chunk: int) -> CompileResult:
    if _state is None:
        raise RuntimeError("worker not initialised")
    return _state.loop.run_until_complete(
        _compile(_state, dataset, run_id, where, after, upto, chunk))


async def worth_it(driver: Any, dataset: str, chunk: int, workers: int) -> bool:
    """Whether the queue is long enough for worker processes to pay off."""
    if workers < 2:
        return False
    return bool(await driver.fetchval(_BOUNDARY, dataset, "", max(PARALLEL_FROM, 2 * chunk)))


async def compile_parallel(driver: Any, url: str, dataset: str, run_id: int, where: str, *,
                           chunk: int, workers: int,
                           on_result: Callable[[CompileResult], Awaitable[None]]) -> None:
    """Compile the whole queue of ``dataset`` in ``workers`` processes; ``on_result`` gets
    each range's result in the main process (counts, checkpoint) as it completes.

    ``driver`` (the main process's connection) only reads range boundaries."""
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(url,)) as pool:
        running: set[asyncio.Future[CompileResult]] = set()
        after: str | None = ""
        try:
            while after is not None or running:
                # Keep every worker busy with one range and one more waiting; the
                # boundaries are read ahead of the workers, which never touch them.
                while after is not None and len(running) < 2 * workers:
                    upto = await driver.fetchval(_BOUNDARY, dataset, after, chunk)
                    running.add(loop.run_in_executor(pool, _job, dataset, run_id, where,
                                                     after, upto, chunk))
                    after = upto
                done, running = await asyncio.wait(running,
                                                   return_when=asyncio.FIRST_COMPLETED)
                for future in done:
                    await on_result(future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
