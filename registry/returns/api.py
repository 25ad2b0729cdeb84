"""``/api/v1/registrants/{registrant_id}/returns``: periodic returns and what is overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from registry.api.access import PUBLIC, REGISTRANT, access, principal_of
from registry.api.problems import Problem
from registry.audit import Actor
from registry.db.session import DbSession
from registry.models import Registrant
from registry.registrants.service import can_see_drafts, get_registrant
from registry.settings import Settings

from . import service
from .schemas import ReturnIn, ReturnOut


async def _registrant(request: Request[Any, Any, Any], db_session: DbSession,
                      registrant_id: int) -> Registrant:
    registrant = await get_registrant(db_session, registrant_id)
    if registrant.published_version is None and not can_see_drafts(
            principal_of(request.scope), registrant_id):
        raise Problem(404, f"Registrant {registrant_id} has no published entry.",
                      field="registrant_id")
    return registrant


class ReturnController(Controller):
    path = "/registrants/{registrant_id:int}/returns"
    tags = ["returns"]

    @get("/", operation_id="listReturns", opt=access(PUBLIC),
         summary="Returns owed by a registrant: filed, due, overdue (newest period first)")
    async def list_returns(self, request: Request[Any, Any, Any], db_session: DbSession,
                           registrant_id: FromPath[int]) -> list[ReturnOut]:
        registrant = await _registrant(request, db_session, registrant_id)
        settings: Settings = request.app.state.settings
        return await service.list_returns(db_session, registrant, settings, dt.date.today())

    @post("/", operation_id="fileReturn", opt=access(REGISTRANT), status_code=200,
          summary="File (or amend) the return for one period",
          description="`period_start` names a period that has ended since registration.")
    async def file_return(self, request: Request[Any, Any, Any], db_session: DbSession,
                          registrant_id: FromPath[int], data: JSONBody[ReturnIn]) -> ReturnOut:
        registrant = await get_registrant(db_session, registrant_id)
        settings: Settings = request.app.state.settings
        return await service.file_return(db_session, Actor(request), registrant, data,
                                         settings, dt.date.today())
