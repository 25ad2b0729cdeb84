"""``/api/v1/exports/...``: the dumps. When a snapshot has been published (``registry
publish``, or ``serve`` with ``REGISTRY_PUBLISH_EVERY``) they redirect to its static files
under ``/downloads/``; otherwise (a small install that never published) they stream live
in constant memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from registry.api.access import PUBLIC, access
from registry.api.deadline import response_deadline
from registry.api.problems import Problem
from registry.api.session import SessionMaker
from registry.api.streams import ClosingStream

from .downloads import snapshot_redirect
from .dumps import iter_csv, iter_jsonl, table_named
from .ftm import iter_ftm
from .tables import PUBLIC_TABLES

NDJSON = "application/x-ndjson"


class ExportController(Controller):
    path = "/exports"
    tags = ["exports"]
    middleware = [response_deadline("export_max_seconds")]

    @get("/jsonl", operation_id="exportJsonl", opt=access(PUBLIC),
         summary="All public tables as JSON Lines ({table, row} per line)")
    async def jsonl(self, request: Request[Any, Any, Any],
                    sessionmaker: SessionMaker) -> Response[Any]:
        if redirect := snapshot_redirect(request, "registry.jsonl"):
            return redirect

        async def body() -> AsyncIterator[bytes]:
            # Our own session: the request's is closed before the body streams.
            async with sessionmaker() as session:
                async for chunk in iter_jsonl(session):
                    yield chunk

        return ClosingStream(
            body(), media_type=NDJSON,
            headers={"Content-Disposition": 'attachment; filename="registry.jsonl"'})

    @get("/csv/{table:str}", operation_id="exportCsvTable", opt=access(PUBLIC),
         summary="One public table as CSV",
         description="Tables: " + ", ".join(t.name for t in PUBLIC_TABLES))
    async def csv(self, request: Request[Any, Any, Any], sessionmaker: SessionMaker,
                  table: FromPath[str]) -> Response[Any]:
        found = table_named(table)
        if found is None:
            raise Problem(404, f"No public table '{table}'; one of: "
                          + ", ".join(t.name for t in PUBLIC_TABLES), field="table")
        if redirect := snapshot_redirect(request, f"csv/{table}.csv"):
            return redirect

        async def body() -> AsyncIterator[bytes]:
            async with sessionmaker() as session:
                async for chunk in iter_csv(session, found):
                    yield chunk

        return ClosingStream(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{table}.csv"'})

    @get("/ftm", operation_id="exportFtm", opt=access(PUBLIC),
         summary="FollowTheMoney entities as JSON Lines")
    async def ftm(self, request: Request[Any, Any, Any],
                  sessionmaker: SessionMaker) -> Response[Any]:
        if redirect := snapshot_redirect(request, "registry.ftm.json"):
            return redirect

        async def body() -> AsyncIterator[bytes]:
            async with sessionmaker() as session:
                async for chunk in iter_ftm(session):
                    yield chunk

        return ClosingStream(
            body(), media_type=NDJSON,
            headers={"Content-Disposition": 'attachment; filename="registry.ftm.json"'})
