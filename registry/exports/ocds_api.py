"""``GET /api/v1/exports/ocds``: the OCDS export, streamed (the HTTP twin of
``registry export ocds``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery

from registry.api.access import PUBLIC, access
from registry.api.deadline import response_deadline
from registry.api.session import SessionMaker
from registry.api.streams import ClosingStream

from .downloads import snapshot_redirect
from .ocds import iter_ocds


class OcdsExportController(Controller):
    path = "/exports/ocds"
    middleware = [response_deadline("export_max_seconds")]
    tags = ["exports"]

    @get("/", operation_id="exportOcds", opt=access(PUBLIC),
         summary="OCDS 1.1 record package of every contracting process",
         description=(
             "Streams a record package (`format=json`) or JSON Lines of records "
             "(`format=jsonl`); each record embeds its releases and its compiled release. "
             "`dataset` (repeatable) limits it to some datasets."))
    async def export_ocds(
        self, request: Request[Any, Any, Any], sessionmaker: SessionMaker,
        format: FromQuery[Literal["json", "jsonl"]] = "json",
        dataset: FromQuery[list[str] | None] = None,
    ) -> Response[Any]:
        lines = format == "jsonl"
        # The whole record package is the latest snapshot's file; subsets still stream.
        if not lines and not dataset and (
                redirect := snapshot_redirect(request, "ocds-records.json")):
            return redirect

        async def body() -> AsyncIterator[bytes]:
            async for chunk in iter_ocds(sessionmaker, datasets=dataset, lines=lines,
                                         uri=str(request.url)):
                yield chunk.encode()

        filename = "ocds-records.jsonl" if lines else "ocds-record-package.json"
        return ClosingStream(
            body(),
            media_type="application/x-ndjson" if lines else "application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
