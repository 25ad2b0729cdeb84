"""The embedded default, driven as a user would: through the `registry` command."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("REGISTRY_TEST_DATABASE_URL")),
    reason="tests the embedded server; an external server is configured",
)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATA_DIR"] = str(data_dir)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback only
        return json.loads(r.read())  # type: ignore[no-any-return]


def _serve(data_dir: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "registry", "serve", "--port", str(port), *args],
        env=_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(f"http://127.0.0.1:{port}/health")
            return proc, port
        except OSError:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else "died"
                raise AssertionError(err) from None
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("server did not start")


def _postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_servers_start_together_then_survive_kill_and_restart(tmp_path: Path) -> None:
    first, p1 = _serve(tmp_path, "--demo")
    second, p2 = _serve(tmp_path, "--demo")
    try:
        a = _get(f"http://127.0.0.1:{p1}/api/v1/entities?limit=500")
        b = _get(f"http://127.0.0.1:{p2}/api/v1/entities?limit=500")
        assert a == b and len(a["items"]) >= 20  # type: ignore[arg-type]
    finally:
        first.send_signal(signal.SIGKILL)  # a crash: no cleanup at all
        first.wait()
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    # The crashed process left its handle behind; the clean exit must still stop PostgreSQL.
    assert not _postgres_running(tmp_path)

    third, p3 = _serve(tmp_path)
    try:
        c = _get(f"http://127.0.0.1:{p3}/api/v1/entities?limit=500")
        assert c == a  # data survived, and nothing was loaded twice
    finally:
        third.send_signal(signal.SIGTERM)
        third.wait(timeout=30)
    assert not _postgres_running(tmp_path)
