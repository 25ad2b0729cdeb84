"""Which OpenSearch the tests talk to, and the real node they start for it.

In order:

1. ``REGISTRY_TEST_OPENSEARCH_URL``: that cluster (each test uses an index prefix of its own);
2. ``java`` and ``mvn`` on PATH (and ``REGISTRY_TEST_OPENSEARCH`` is not ``osmem``): one real
   single-node OpenSearch 2.19 per test session, built and started by ``scripts/opensearch``
   (the first build downloads the server from Maven Central), stopped and removed at the end;
3. otherwise osmem-server, the in-memory emulator from a wheel, one clone per test.

The node starts in the background as soon as collection shows an OpenSearch test, so it
boots while PostgreSQL is set up; the first test that needs it waits for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "opensearch"


def engine() -> str:
    """``external``, ``real`` or ``osmem``: what the OpenSearch tests will run on."""
    if os.environ.get("REGISTRY_TEST_OPENSEARCH_URL"):
        return "external"
    if os.environ.get("REGISTRY_TEST_OPENSEARCH", "").lower() == "osmem":
        return "osmem"
    if shutil.which("java") and shutil.which("mvn") and shutil.which("curl"):
        return "real"
    return "osmem"


def describe_engine() -> str:
    which = engine()
    if which == "external":
        return f"the cluster at {os.environ['REGISTRY_TEST_OPENSEARCH_URL']}"
    if which == "real":
        return "real OpenSearch (scripts/opensearch, started once for the session)"
    return "osmem-server emulator (no java/mvn on PATH, or REGISTRY_TEST_OPENSEARCH=osmem)"


@dataclass
class RunningNode:
    url: str
    version: str
    seconds: float  # from the start of `scripts/opensearch start` to its answer


class OpenSearchNode:
    """One real node for the session, started in the background by ``scripts/opensearch``."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="registry-test-opensearch-"))
        # C1 only: the node starts in about half the time on a busy 2-core machine, and
        # the tests' queries are too few for the optimising compiler to pay off.
        self.env = {"OPENSEARCH_JAVA_OPTS": "-XX:TieredStopAtLevel=1", **os.environ,
                    "OPENSEARCH_HOME_DIR": str(self.home),
                    "OPENSEARCH_PARENT_PID": str(os.getpid())}
        self._proc: subprocess.Popen[str] | None = None
        self._started = 0.0
        self._running: RunningNode | None = None

    def start_in_background(self) -> None:
        if self._proc is None:
            self._started = time.perf_counter()
            self._proc = subprocess.Popen(  # noqa: S603 - our own script
                [str(SCRIPT), "start"], env=self.env, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait(self) -> RunningNode:
        """The running node; raises (and so fails the tests that need it) if it did not
        start: with java and mvn present, a broken node is a failure, not a skip."""
        if self._running is not None:
            return self._running
        self.start_in_background()
        assert self._proc is not None
        out, err = self._proc.communicate(timeout=900)
        seconds = time.perf_counter() - self._started
        lines = out.strip().splitlines()
        if self._proc.returncode != 0 or not lines:
            raise RuntimeError(f"scripts/opensearch start failed ({self._proc.returncode}):\n"
                               f"{err[-3000:]}")
        url = lines[-1].strip()
        info = httpx.get(url, timeout=10).json()
        if info["version"].get("distribution") != "opensearch":
            raise RuntimeError(f"{url} is not OpenSearch: {info}")
        self._running = RunningNode(url=url, version=info["version"]["number"], seconds=seconds)
        return self._running

    @property
    def running(self) -> RunningNode | None:
        return self._running

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:  # still starting: let it finish, then stop it
            self._proc.communicate(timeout=900)
        subprocess.run([str(SCRIPT), "stop"], env=self.env, check=False,  # noqa: S603
                       capture_output=True, timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)
        self._proc = None


_node: OpenSearchNode | None = None


def session_node() -> OpenSearchNode:
    global _node
    if _node is None:
        _node = OpenSearchNode()
    return _node


def started_node() -> OpenSearchNode | None:
    return _node


def stop_session_node() -> None:
    global _node
    if _node is not None:
        _node.stop()
        _node = None
