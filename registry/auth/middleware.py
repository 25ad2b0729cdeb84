"""The authentication middleware: puts the caller's ``Principal`` on ``scope["user"]``
(None for anonymous callers) and a failure, if any, on ``scope["auth"]``.

It never rejects a request itself: the access guard decides, because only it knows what the
handler requires (bad credentials are a 401 everywhere, even on public endpoints, so that a
client with a stale token learns about it).
"""

from __future__ import annotations

from typing import Any, cast

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.logging import get_logger

from .principal import AuthenticationFailed, authenticate

log = get_logger("registry.auth")


def authentication_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            mutable = cast(dict[str, Any], scope)
            mutable["user"] = None
            mutable["auth"] = None
            header = Headers.from_scope(scope).get("authorization")
            if header:
                state = scope["litestar_app"].state
                try:
                    async with state.sessionmaker() as session:
                        mutable["user"] = await authenticate(
                            session, header, state.settings.effective_secret_key())
                except AuthenticationFailed as exc:
                    mutable["auth"] = {"error": str(exc)}
                    log.info("authentication_failed", reason=str(exc), path=scope["path"])
        await app(scope, receive, send)

    return middleware
