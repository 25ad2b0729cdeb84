"""Refuse, before routing, what no handler can use: a NUL byte or invalid UTF-8 in the path
or the query string (PostgreSQL cannot store NUL in text; a parameter with one failed deep
inside a query, or mid-stream in an export after its 200 was sent), and JSON bodies nested
deeper than any of our shapes (a decoder recursing through 100,000 brackets is a 500)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.api.problems import PROBLEM_JSON, TYPE_BASE

MAX_JSON_DEPTH = 64


def _bad_text(raw: bytes) -> str | None:
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        return "contains a NUL byte"
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8"
    return None


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets nest deeper than ``limit`` (strings are skipped), in one pass."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


async def _refuse(send: Send, path: str, field: str, detail: str) -> None:
    body = json.dumps({"type": TYPE_BASE + "validation", "title": "Invalid request",
                       "status": 400, "detail": detail, "field": field,
                       "errors": [{"field": field, "message": detail}],
                       "instance": path}).encode()
    start: Any = {"type": "http.response.start", "status": 400,
                  "headers": [(b"content-type", PROBLEM_JSON.encode()),
                              (b"content-length", str(len(body)).encode())]}
    await send(start)
    end: Any = {"type": "http.response.body", "body": body}
    await send(end)


def input_guard(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        # Some servers put the query into raw_path too; it is checked below, by name.
        raw_path = (scope.get("raw_path") or path.encode("utf-8", "surrogateescape")
                    ).split(b"?", 1)[0]
        problem = _bad_text(raw_path)
        if problem or "\x00" in path:
            await _refuse(send, path, "path", f"The path {problem or 'contains a NUL byte'}.")
            return
        query: bytes = scope.get("query_string", b"")
        for pair in query.split(b"&"):
            name, _, value = pair.partition(b"=")
            problem = _bad_text(value) or _bad_text(name)
            if problem:
                field = unquote_to_bytes(name).decode("utf-8", "replace").replace("\x00", "")
                await _refuse(send, path, field or "query",
                              f"The query parameter {field!r} {problem}.")
                return
        headers = dict(scope.get("headers", []))
        if b"json" not in headers.get(b"content-type", b""):
            await app(scope, receive, send)
            return
        # Read the JSON body (bounded by the app's request size limit downstream) to check
        # its depth, then hand it on unchanged.
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
            if sum(len(c) for c in chunks) > MAX_GUARDED_BODY:
                break
        body = b"".join(chunks)
        if json_depth_exceeds(body):
            await _refuse(send, path, "body",
                          f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        await app(scope, replay, send)

    return middleware


MAX_GUARDED_BODY = 10 * 1024 * 1024  # Litestar's default request_max_body_size
