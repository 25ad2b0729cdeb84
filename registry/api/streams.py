"""A streaming response that closes its body when it stops early.

Litestar's stream leaves its iterator suspended where it was when the response is cancelled
(the client disconnected, or the response deadline of registry/api/deadline.py passed while
``send`` waited): a live export's generator then keeps its session, and the exports' pooled
connection, until the garbage collector finds it. This one closes the iterator at once
(``aclose``, shielded from the cancellation), so its ``async with`` blocks run and the
connection goes back to the pool.
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar.response import Stream
from litestar.response.base import ASGIResponse
from litestar.response.streaming import ASGIStreamingResponse
from litestar.types import Send


class _ClosingASGIStreamingResponse(ASGIStreamingResponse):
    __slots__ = ()

    async def _stream(self, send: Send) -> None:
        try:
            await super()._stream(send)
        finally:
            aclose = getattr(self.iterator, "aclose", None)
            if aclose is not None:
                with anyio.CancelScope(shield=True):
                    await aclose()


class ClosingStream(Stream):
    __slots__ = ()

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        response = super().to_asgi_response(*args, **kwargs)
        if type(response) is ASGIStreamingResponse:
            response.__class__ = _ClosingASGIStreamingResponse
        return response
