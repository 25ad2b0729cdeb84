"""The ownership drawings as files: ``/entities/{id}/graph.svg|.graphml|.json`` and
``/contracts/{ocid}/graph.svg|.graphml|.json`` (``?dataset=``), the same graph the pages
draw, for journalists' own tools (yEd, Gephi, networkx) and for print."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from registry.api.access import PUBLIC, access
from registry.api.session import DbSession
from registry.contracts import service as contracts
from registry.contracts.behind import behind
from registry.entities import service as entities
from registry.ownership import drawing
from registry.ownership.drawing import Drawing

from . import graph_svg
from .api import SECURITY_HEADERS
from .render import not_found

FORMATS = {"svg": "image/svg+xml", "graphml": "application/graphml+xml",
           "json": "application/json"}


def _file(request: Request[Any, Any, Any], d: Drawing, stem: str) -> Response[Any]:
    fmt = request.url.path.rsplit(".", 1)[-1]
    base = str(request.base_url).rstrip("/")
    if fmt == "svg":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                + graph_svg.svg(d, prefix="g", base_url=base))
    elif fmt == "graphml":
        body = graph_svg.graphml(d, base_url=base)
    else:
        body = json.dumps(d.as_json(), ensure_ascii=False, indent=1)
    return Response(body, media_type=FORMATS[fmt], headers={
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


class GraphFileController(Controller):
    path = "/"
    tags = ["pages"]
    include_in_schema = False

    @get(["/entities/{entity_id:int}/graph.svg", "/entities/{entity_id:int}/graph.graphml",
          "/entities/{entity_id:int}/graph.json"], operation_id="pageEntityGraphFile",
         opt=access(PUBLIC))
    async def entity_graph(self, request: Request[Any, Any, Any], db_session: DbSession,
                           entity_id: FromPath[int],
                           depth: FromQuery[int] = drawing.DEFAULT_DEPTH) -> Response[Any]:
        if await entities.get_entity(db_session, entity_id) is None:
            return not_found(f"No record with id {entity_id}.", request)
        d = await drawing.entity_drawing(db_session, entity_id, dt.datetime.now(dt.UTC).date(),
                                         max(1, min(depth, drawing.MAX_DEPTH)))
        return _file(request, d, f"ownership-{entity_id}")

    @get(["/contracts/{ocid:str}/graph.svg", "/contracts/{ocid:str}/graph.graphml",
          "/contracts/{ocid:str}/graph.json"], operation_id="pageContractGraphFile",
         opt=access(PUBLIC))
    async def contract_graph(self, request: Request[Any, Any, Any], db_session: DbSession,
                             ocid: FromPath[str],
                             dataset: FromQuery[str | None] = None) -> Response[Any]:
        found = await contracts.find_contracts(db_session, ocid, dataset or None)
        if len(found) != 1:
            return not_found(f"No contract with ocid {ocid}"
                             + (" in one dataset; add ?dataset=." if found else "."), request)
        d = drawing.contract_drawing(await behind(db_session, found[0]))
        return _file(request, d, f"behind-{ocid}")
