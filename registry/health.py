"""``/health`` (the process is alive) and ``/ready`` (the database answers)."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from registry.api.access import PUBLIC, access


@get("/health", operation_id="health", opt=access(PUBLIC), tags=["health"],
     summary="Liveness")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", operation_id="ready", opt=access(PUBLIC), tags=["health"],
     summary="Readiness: 503 while the database does not answer")
async def ready(state: State) -> Response[dict[str, Any]]:
    checks: dict[str, Any] = {}
    try:
        async with state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; say which
        checks["database"] = f"unavailable: {type(exc).__name__}"
        return Response({"status": "unavailable", "checks": checks}, status_code=503)
    return Response({"status": "ok", "checks": checks})
