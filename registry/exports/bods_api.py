"""``GET /api/v1/exports/bods``: the BODS 0.4 export, streamed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery

from registry.api.access import PUBLIC, access
from registry.api.deadline import response_deadline
from registry.api.session import SessionMaker
from registry.api.streams import ClosingStream

from .bods import stream_json_array
from .downloads import snapshot_redirect


class BodsExportController(Controller):
    path = "/exports"
    middleware = [response_deadline("export_max_seconds")]
    tags = ["exports"]

    @get("/bods", operation_id="exportBods", opt=access(PUBLIC),
         summary="Every entity, person and relationship version as BODS 0.4 statements",
         description="A JSON array streamed with constant memory; `dataset` (repeatable) "
                     "limits it. Restricted details are never included.",
         media_type="application/json")
    async def export_bods(self, request: Request[Any, Any, Any], sessionmaker: SessionMaker,
                          dataset: FromQuery[list[str] | None] = None) -> Response[Any]:
        # The whole export is the latest snapshot's file ; one
        # dataset's statements are still streamed.
        if not dataset and (redirect := snapshot_redirect(request, "bods.json")):
            return redirect
        # The request session is closed before the body streams: the generator opens its own.
        return ClosingStream(stream_json_array(sessionmaker, dataset),
                             media_type="application/json",
                             headers={"Content-Disposition": 'attachment; filename="bods.json"'})
