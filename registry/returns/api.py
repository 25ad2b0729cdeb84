"""``/api/v1/registrants/{registrant_id}/returns``: periodic returns and what is overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody

from registry.api.access import PUBLIC, REGISTRANT, access, principal_of
from registry.api.problems import Problem, content_problem_response
from registry.api.session import DbSession
from registry.audit import Actor
from registry.models import Registrant
from registry.registrants.service import can_see_drafts, get_registrant
from registry.settings import Settings

from . import service
from .schemas import ReturnDraftIn, ReturnDraftOut, ReturnIn, ReturnOut


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
    exception_handlers = {ValidationException: content_problem_response}
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
          description="`period_start` names a period that has ended since registration. "
                      "Filing clears the period's draft.")
    async def file_return(self, request: Request[Any, Any, Any], db_session: DbSession,
                          registrant_id: FromPath[int], data: JSONBody[ReturnIn]) -> ReturnOut:
        registrant = await get_registrant(db_session, registrant_id)
        settings: Settings = request.app.state.settings
        return await service.file_return(db_session, Actor(request), registrant, data,
                                         settings, dt.date.today())

    @get("/drafts/{period_start:date}", operation_id="getReturnDraft", opt=access(REGISTRANT),
         summary="The draft return for one period (the registrant's members, registrars)")
    async def get_draft(self, db_session: DbSession, registrant_id: FromPath[int],
                        period_start: FromPath[dt.date]) -> ReturnDraftOut:
        registrant = await get_registrant(db_session, registrant_id)
        return await service.get_draft(db_session, registrant, period_start)

    @put("/drafts/{period_start:date}", operation_id="saveReturnDraft", opt=access(REGISTRANT),
         summary="Save a draft return for one period (the registrant's members, registrars)",
         description="Any field may still be missing; the codes given are checked at once. "
                     "A period owed, or the one under way. A filed return stays as it is "
                     "until the draft is filed with `POST .../returns`.")
    async def save_draft(self, request: Request[Any, Any, Any], db_session: DbSession,
                         registrant_id: FromPath[int], period_start: FromPath[dt.date],
                         data: JSONBody[ReturnDraftIn]) -> ReturnDraftOut:
        registrant = await get_registrant(db_session, registrant_id)
        settings: Settings = request.app.state.settings
        return await service.save_draft(db_session, Actor(request), registrant, period_start,
                                        data, settings, dt.date.today())

    @delete("/drafts/{period_start:date}", operation_id="discardReturnDraft",
            opt=access(REGISTRANT), summary="Discard the draft return for one period")
    async def discard_draft(self, request: Request[Any, Any, Any], db_session: DbSession,
                            registrant_id: FromPath[int], period_start: FromPath[dt.date],
                            ) -> None:
        registrant = await get_registrant(db_session, registrant_id)
        await service.discard_draft(db_session, Actor(request), registrant, period_start)
