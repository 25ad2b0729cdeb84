"""``registry serve --workers N``: one outbox worker, restarts that refuse no request, a
clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from registry.serve import Supervisor
from registry.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def _workers(pid: int) -> set[int]:
    # The spawned serving processes, not multiprocessing's resource tracker.
    return {c for c in _children(pid) if b"spawn_main" in _cmdline(c)}


def _cmdline(pid: int) -> bytes:
    # A worker listed as a child may have exited (a restart) before its command line is read.
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def test_only_the_first_worker_drains_the_outbox(tmp_path: Path) -> None:
    supervisor = Supervisor(Settings(data_dir=tmp_path, secret_key="k"), "postgresql://x/y",
                            "127.0.0.1", 0, 3)
    assert [supervisor._settings_for(i).sync_worker for i in range(3)] == [True, False, False]
    off = Supervisor(Settings(data_dir=tmp_path, secret_key="k", sync_worker=False),
                     "postgresql://x/y", "127.0.0.1", 0, 3)
    assert not any(off._settings_for(i).sync_worker for i in range(3))


def _serve_two_workers(database_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {"REGISTRY_DATABASE_URL": database_url, "REGISTRY_DATA_DIR": str(data_dir),
            "REGISTRY_SECRET_KEY": "test", "REGISTRY_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "registry", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, port


def test_rolling_restart_refuses_nothing(database_url: str, tmp_path: Path) -> None:
    proc, port = _serve_two_workers(database_url, tmp_path)
    url = f"http://127.0.0.1:{port}/api/v1/entities?limit=1"
    try:
        with httpx.Client(timeout=30) as http:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if http.get(url).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, "never served"
                time.sleep(0.5)
            deadline = time.monotonic() + 60
            while len(_workers(proc.pid)) < 2:  # the second may still be starting
                assert time.monotonic() < deadline
                time.sleep(0.2)
            old = _workers(proc.pid)
            assert len(old) == 2

            proc.send_signal(signal.SIGHUP)
            statuses = []
            deadline = time.monotonic() + 240
            while _workers(proc.pid) & old or len(_workers(proc.pid)) < 2:
                assert time.monotonic() < deadline, "the restart did not finish"
                # A new connection each time: what is tested is that the port never refuses
                # one (reusing a connection the old worker closes is the client's race).
                try:
                    statuses.append(http.get(url, headers={"Connection": "close"}).status_code)
                except httpx.RemoteProtocolError:
                    # Accepted by a worker that was told to stop before it read the request:
                    # closed without an answer, which HTTP lets a client retry for a GET
                    # (uvicorn closes idle connections on shutdown). A refused connection
                    # (ConnectError) is not retried: that is what this test forbids.
                    statuses.append(http.get(url, headers={"Connection": "close"}).status_code)
            assert statuses and set(statuses) == {200}
            assert http.get(url).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_workers_stop_when_the_supervisor_is_killed(database_url: str, tmp_path: Path) -> None:
    proc, _ = _serve_two_workers(database_url, tmp_path)
    try:
        deadline = time.monotonic() + 180
        while len(_workers(proc.pid)) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "never started"
            time.sleep(0.3)
        workers = _workers(proc.pid)
    finally:
        proc.kill()  # a crash of the supervisor: it stops nothing itself
        proc.wait()
    # Orphans would keep serving the port, unsupervised, and hold the database.
    deadline = time.monotonic() + 45
    while alive := {w for w in workers if _alive(w)}:
        assert time.monotonic() < deadline, f"workers outlived their supervisor: {alive}"
        time.sleep(0.3)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
