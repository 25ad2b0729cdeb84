"""``/api/v1/meetings`` (public) and ``/api/v1/registrants/{registrant_id}/meetings``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from registry.api.access import PUBLIC, REGISTRANT, access
from registry.api.dates import check_day
from registry.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from registry.api.problems import Problem, content_problem_response
from registry.api.session import DbSession
from registry.audit import Actor
from registry.models import Meeting, Registrant
from registry.registrants.service import get_registrant

from .listing import MeetingFilter, list_meetings
from .schemas import MeetingIn, MeetingOut
from .service import declare
from .views import meeting_views


class MeetingController(Controller):
    path = "/meetings"
    tags = ["meetings"]

    @get("/", operation_id="listMeetings", opt=access(PUBLIC),
         summary="Meetings between lobbyists and officials, newest first",
         description="Reconciled duplicates are shown once; `one_sided` flags a meeting "
                     "only one side declared.")
    async def list_meetings(
        self, db_session: DbSession,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
        official: Annotated[str | None, QueryParameter(description="part of a name")] = None,
        institution: Annotated[str | None, QueryParameter(
            description="part of the institution's name")] = None,
        institution_id: FromQuery[int | None] = None,
        registrant_id: FromQuery[int | None] = None,
        date_from: FromQuery[dt.date | None] = None,
        date_to: FromQuery[dt.date | None] = None,
        subject: Annotated[str | None, QueryParameter(description="part of the subject")] = None,
        one_sided: FromQuery[bool | None] = None,
    ) -> Page[MeetingOut]:
        check_limit(limit)
        check_day(date_from, "date_from")
        check_day(date_to, "date_to")
        after = decode_cursor(cursor, (str, int))
        after_key = None
        if after:
            try:
                after_key = (dt.date.fromisoformat(str(after[0])), int(after[1]))
            except (ValueError, IndexError) as exc:
                raise Problem(400, "The cursor is not one this API issued.",
                              field="cursor") from exc
        rows = await list_meetings(db_session, MeetingFilter(
            official=official, institution=institution, institution_id=institution_id,
            registrant_id=registrant_id, date_from=date_from, date_to=date_to,
            subject=subject, one_sided=one_sided), limit=limit + 1, after=after_key)
        items = await meeting_views(db_session, rows[:limit])
        nxt = None
        if len(rows) > limit:
            last = rows[limit - 1]
            nxt = encode_cursor([last.date.isoformat(), last.id])
        return Page(items=items, next=nxt)

    @get("/{meeting_id:int}", operation_id="getMeeting", opt=access(PUBLIC),
         summary="One meeting (a reconciled duplicate redirects to the kept one's data)")
    async def get_meeting(self, db_session: DbSession, meeting_id: FromPath[int]) -> MeetingOut:
        meeting = await db_session.get(Meeting, meeting_id)
        if meeting is not None and meeting.merged_into_id is not None:
            meeting = await db_session.get(Meeting, meeting.merged_into_id)
        if meeting is None:
            raise Problem(404, f"No meeting with id {meeting_id}.", field="meeting_id")
        return (await meeting_views(db_session, [meeting]))[0]


class RegistrantMeetingController(Controller):
    path = "/registrants/{registrant_id:int}/meetings"
    exception_handlers = {ValidationException: content_problem_response}
    tags = ["meetings"]

    @post("/", operation_id="declareMeeting", opt=access(REGISTRANT),
          summary="Declare a meeting with officials",
          description="Reconciled with the officials' published diary when it lists the "
                      "same meeting.")
    async def declare_meeting(self, request: Request[Any, Any, Any], db_session: DbSession,
                              registrant_id: FromPath[int],
                              data: JSONBody[MeetingIn]) -> MeetingOut:
        registrant: Registrant = await get_registrant(db_session, registrant_id)
        meeting = await declare(db_session, Actor(request), registrant, data)
        return (await meeting_views(db_session, [meeting]))[0]
