"""``registry serve``: one process, or a small supervisor and N serving processes.

With ``workers > 1`` the supervisor binds the listening socket once and starts N worker
processes (spawned, so nothing of the parent's event loop or connections is shared) that
accept on it, each with its own application, connection pools and answer cache. Only
worker 0 runs the search outbox worker, so a server drains the outbox once however many
processes it has. The supervisor:

- restarts a worker that exits unexpectedly (same slot, so a new worker 0 takes over the
  outbox), waiting a little longer after each quick crash;
- on ``SIGHUP`` restarts the workers one at a time: the new process is started and ready
  (its lifespan has run: database and search reachable) before the old one is asked to stop,
  and the old one finishes the requests it holds (uvicorn's graceful shutdown), so no
  request is refused;
- on ``SIGTERM``/``SIGINT`` stops every worker gracefully, then returns, so the embedded
  PostgreSQL (if any) is stopped by the parent's exit hook.

The processes hold no state that others need: the answer caches are checked against the
database on every request (registry/http_cache.py), which is also why several servers can
run behind one proxy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from typing import Any

from registry.logging import configure_logging, get_logger
from registry.settings import Settings

log = get_logger("registry.serve")

LISTEN_BACKLOG = 2048
PARENT_CHECK_SECONDS = 1.0  # how soon a worker notices that its supervisor is gone
STOP_TIMEOUT = 30.0  # seconds a worker has to finish its requests
START_TIMEOUT = 120.0  # seconds a new worker has to become ready during a rolling restart
# Logging is ours. uvicorn must not rewrite the client address from X-Forwarded-For (by
# default it trusts 127.0.0.1): REGISTRY_TRUSTED_PROXIES alone decides whose header counts
# (registry/api/client_address.py).
UVICORN_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False,
                                   "proxy_headers": False}


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def serve(settings: Settings, database_url: str, *, host: str, port: int,
          workers: int) -> None:
    if workers <= 1:
        _serve_one(settings, database_url, host, port)
    else:
        Supervisor(settings, database_url, host, port, workers).run()


def _serve_one(settings: Settings, database_url: str, host: str, port: int) -> None:
    import uvicorn

    from registry.app import create_app

    app = create_app(settings, database_url)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into a normal exit so
    # the embedded PostgreSQL is stopped cleanly by its exit hook.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(app, host=host, port=port, **UVICORN_OPTIONS)


def _ready_lifespan(ready: Event) -> Any:
    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncGenerator[None, None]:
        ready.set()
        yield

    return lifespan


def _worker(index: int, settings: Settings, database_url: str, sock: socket.socket,
            ready: Event, supervisor: int) -> None:
    """One serving process (the target of a spawned process)."""
    import uvicorn

    from registry.app import create_app

    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings, database_url, extra_lifespan=[_ready_lifespan(ready)])
    # The workers share one listening socket and each accepts what is waiting when it wakes:
    # uvloop (and asyncio with its default backlog) accept every pending connection at once,
    # so a burst of keep-alive connections (a proxy's, a load generator's) all went to one
    # worker and the other idled. asyncio accepts at most ``backlog`` connections per wake
    # and every idle worker is woken, so with a backlog of 1 the connections spread over the
    # workers, the idle ones first.
    config = uvicorn.Config(app, lifespan="on", loop="asyncio", backlog=1,
                            **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    get_logger("registry.serve").info("worker_started", worker=index, pid=os.getpid(),
                                      outbox=settings.sync_worker)
    asyncio.run(_serve_shared(server, sock, supervisor))


async def _serve_shared(server: Any, sock: socket.socket, supervisor: int) -> None:
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    # The supervisor's pid comes from the supervisor: it may die before this worker starts.
    watch = asyncio.ensure_future(_stop_with_supervisor(server, supervisor))
    while not (server.started or serving.done()):  # noqa: ASYNC110 (uvicorn has no event)
        await asyncio.sleep(0.01)
    # asyncio set the shared socket's queue to its backlog (1) as it started serving: put it
    # back, or a burst of connections would overflow it (their SYNs dropped and retried).
    sock.listen(LISTEN_BACKLOG)
    try:
        await serving
    finally:
        watch.cancel()


async def _stop_with_supervisor(server: Any, supervisor: int) -> None:
    """A worker whose supervisor died (SIGKILL, a crash) would go on serving the port alone,
    never restarted nor stopped: it finishes its requests and exits, as on SIGTERM."""
    while os.getppid() == supervisor:  # noqa: ASYNC110 (no event tells of a parent's death)
        await asyncio.sleep(PARENT_CHECK_SECONDS)
    get_logger("registry.serve").warning("supervisor_gone", pid=os.getpid())
    server.should_exit = True


@dataclasses.dataclass
class Slot:
    index: int
    process: SpawnProcess
    ready: Event  # kept here: a collected Event's semaphore vanishes under the child
    started: float
    failures: int = 0


class Supervisor:
    def __init__(self, settings: Settings, database_url: str, host: str, port: int,
                 workers: int) -> None:
        # Workers must agree on the token key: resolve the generated one once, here.
        self.settings = dataclasses.replace(settings,
                                            secret_key=settings.effective_secret_key())
        self.database_url = database_url
        self.host, self.port, self.workers = host, port, workers
        self.mp = multiprocessing.get_context("spawn")
        self.slots: list[Slot] = []
        self.stopping = False
        self.reload = False

    def _settings_for(self, index: int) -> Settings:
        return dataclasses.replace(self.settings,
                                   sync_worker=self.settings.sync_worker and index == 0)

    def _spawn(self, index: int, sock: socket.socket) -> tuple[SpawnProcess, Event]:
        ready = self.mp.Event()
        process = self.mp.Process(
            target=_worker, name=f"registry-worker-{index}",
            args=(index, self._settings_for(index), self.database_url, sock, ready, os.getpid()))
        process.start()
        return process, ready

    def run(self) -> None:
        # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
        # sockets that say they are TCP, and with it on every answer written in two parts
        # waits for the client's delayed ACK (40 ms).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(LISTEN_BACKLOG)
        sock.set_inheritable(True)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        log.info("supervisor_started", pid=os.getpid(), workers=self.workers,
                 host=self.host, port=self.port)
        try:
            for i in range(self.workers):
                process, ready = self._spawn(i, sock)
                self.slots.append(Slot(i, process, ready, time.monotonic()))
            while not self.stopping:
                if self.reload:
                    self.reload = False
                    self._rolling_restart(sock)
                self._replace_dead(sock)
                time.sleep(0.2)
        finally:
            self._stop_all()
            sock.close()
            log.info("supervisor_stopped")

    def _on_stop(self, *_: Any) -> None:
        self.stopping = True

    def _on_reload(self, *_: Any) -> None:
        self.reload = True

    def _replace_dead(self, sock: socket.socket) -> None:
        for slot in self.slots:
            if slot.process.is_alive() or self.stopping:
                continue
            quick = time.monotonic() - slot.started < 10
            slot.failures = slot.failures + 1 if quick else 0
            delay = min(30.0, 0.5 * 2 ** slot.failures) if quick else 0.0
            log.warning("worker_exited", worker=slot.index, code=slot.process.exitcode,
                        restart_in=delay)
            time.sleep(delay)
            slot.process, slot.ready = self._spawn(slot.index, sock)
            slot.started = time.monotonic()

    def _rolling_restart(self, sock: socket.socket) -> None:
        log.info("rolling_restart", workers=len(self.slots))
        for slot in self.slots:
            if self.stopping:
                return
            process, ready = self._spawn(slot.index, sock)
            deadline = time.monotonic() + START_TIMEOUT
            while not ready.wait(0.2):
                if not process.is_alive() or time.monotonic() > deadline or self.stopping:
                    log.warning("rolling_restart_failed", worker=slot.index)
                    _stop(process)
                    return  # keep the old workers serving
            old = slot.process
            slot.process, slot.ready, slot.started = process, ready, time.monotonic()
            _stop(old)

    def _stop_all(self) -> None:
        for slot in self.slots:
            if slot.process.is_alive() and slot.process.pid is not None:
                os.kill(slot.process.pid, signal.SIGTERM)
        for slot in self.slots:
            _stop(slot.process)


def _stop(process: SpawnProcess) -> None:
    """Ask one worker to finish its requests and exit; kill it if it takes too long."""
    if process.is_alive() and process.pid is not None:
        os.kill(process.pid, signal.SIGTERM)
    process.join(STOP_TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join()
