"""A client that stops reading cannot hold a live export (and its pooled connection) or a
download for ever: each response has a total time limit (registry/api/deadline.py)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import Message

from registry.app import create_app
from registry.exports.publish import publish
from registry.settings import Settings

DEADLINE = 2


async def _stalled_reader(app: Litestar, path: str) -> tuple[list[Message], float]:
    """Call the app as a client that reads the headers and the first chunk, then nothing:
    ``send`` blocks, as it does on a server whose socket buffers are full; it never
    disconnects either."""
    messages: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # unreachable

    async def send(message: Message) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            await anyio.sleep_forever()

    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50_000),
        "server": ("testserver", 80), "state": {}}
    started = time.monotonic()
    with anyio.fail_after(DEADLINE + 20):  # without a deadline: for ever
        await app(scope, receive, send)  # type: ignore[arg-type]
    return messages, time.monotonic() - started


async def _checked_out(app: Litestar) -> int:
    for _ in range(50):  # the stopped body's session closes as its generator is finalised
        if not (n := app.state.export_engine.pool.checkedout()):
            return 0
        await anyio.sleep(0.1)
    return int(n)


@pytest.mark.parametrize("path", ["/api/v1/exports/jsonl", "/api/v1/exports/csv/entities",
                                  "/downloads/latest/registry.jsonl", "/meetings.csv"])
async def test_a_stalled_reader_is_cut_off_at_the_deadline(
        settings: Settings, database_url: str, demo: dict[str, Any], path: str) -> None:
    bounded = dataclasses.replace(settings, export_max_seconds=DEADLINE,
                                  download_max_seconds=DEADLINE)
    if path.startswith("/downloads/"):
        await publish(database_url, bounded.downloads_dir)
    app = create_app(bounded, database_url)
    async with AsyncTestClient(app=app) as client:
        # the app (its pools) lives on the test client's event loop: call it there
        messages, seconds = client.blocking_portal.call(_stalled_reader, app, path)
        assert messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200
        assert messages[-1]["type"] == "http.response.body" and messages[-1]["more_body"]
        assert DEADLINE <= seconds < DEADLINE + 10
        assert client.blocking_portal.call(_checked_out, app) == 0  # the slot is free again
        r = await client.get(path)  # a reader that reads is served in full meanwhile
        assert r.status_code == 200 and r.content


def test_the_settings(tmp_path: Path) -> None:
    assert Settings.from_env({}).export_max_seconds == 1800
    assert Settings.from_env({}).download_max_seconds == 6 * 3600
    env = {"REGISTRY_EXPORT_MAX_SECONDS": "10m", "REGISTRY_DOWNLOAD_MAX_SECONDS": "0"}
    assert (Settings.from_env(env).export_max_seconds,
            Settings.from_env(env).download_max_seconds) == (600, 0)
