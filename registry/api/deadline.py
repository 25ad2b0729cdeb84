"""A total time limit per response, for the answers a client reads for as long as it likes.

A live export holds one of the exports' few pooled connections (registry/db/limits.py) and a
download a file, for as long as its client reads. The idle-in-transaction timeout ends a
reader that stops; one that reads a few bytes a minute would hold its slot for ever, and a
client that stops reading leaves the response blocked in ``send``, its connection checked
out. So the whole response runs under a deadline (settings ``export_max_seconds``,
``download_max_seconds``): when it passes, the response is cancelled wherever it waits,
its session is closed (the pool slot freed) and the server closes the connection, leaving
the body incomplete, which the client sees (chunked encoding without its last chunk, or
fewer bytes than Content-Length; a download resumes with Range). A response that had not
started is a 503 problem instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from registry.api.problems import PROBLEM_JSON, TYPE_BASE
from registry.logging import get_logger

log = get_logger(__name__)


def response_deadline(setting: str) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware bounding each response by ``Settings.<setting>`` seconds (0: none)."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            settings = getattr(scope["app"].state, "settings", None)
            seconds = float(getattr(settings, setting, 0) or 0)
            if scope["type"] != ScopeType.HTTP or seconds <= 0:
                await app(scope, receive, send)
                return
            started = False

            async def tracking_send(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            with anyio.move_on_after(seconds) as scope_:
                await app(scope, receive, tracking_send)
            if not scope_.cancelled_caught:
                return
            log.warning("response_deadline", path=scope["path"], seconds=seconds,
                        started=started)
            if not started:
                await _busy(scope, send, seconds)

        return middleware

    return factory


async def _busy(scope: Scope, send: Send, seconds: float) -> None:
    body: dict[str, Any] = {
        "type": TYPE_BASE + "busy", "title": "Service Unavailable", "status": 503,
        "detail": f"The response did not start within {seconds:g} s; try again shortly.",
        "instance": scope["path"]}
    start: HTTPResponseStartEvent = {
        "type": "http.response.start", "status": 503,
        "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"retry-after", b"30")]}
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": json.dumps(body).encode(),
                                  "more_body": False}
    await send(end)
