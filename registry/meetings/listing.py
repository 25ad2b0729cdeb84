"""The public list of meetings, as the API and the public pages both read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Entity, Meeting, MeetingOfficial


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class MeetingFilter:
    official: str | None = None  # part of a name
    institution: str | None = None  # part of the institution's name
    institution_id: int | None = None
    registrant_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    subject: str | None = None
    one_sided: bool | None = None


async def list_meetings(session: AsyncSession, flt: MeetingFilter, *, limit: int,
                        after: tuple[dt.date, int] | None = None) -> Sequence[Meeting]:
    """Newest first; reconciled duplicates (merged into another) left out."""
    query = (select(Meeting).where(Meeting.merged_into_id.is_(None))
             .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(limit))
    if after:
        day, last_id = after
        query = query.where(or_(Meeting.date < day,
                                and_(Meeting.date == day, Meeting.id < last_id)))
    if flt.official:
        query = query.where(exists().where(MeetingOfficial.meeting_id == Meeting.id,
                                           MeetingOfficial.name.ilike(_like(flt.official))))
    if flt.institution:
        query = query.where(or_(
            exists().where(MeetingOfficial.meeting_id == Meeting.id,
                           MeetingOfficial.institution.ilike(_like(flt.institution))),
            exists().where(Entity.id == Meeting.institution_id,
                           Entity.name.ilike(_like(flt.institution)))))
    if flt.institution_id is not None:
        query = query.where(Meeting.institution_id == flt.institution_id)
    if flt.registrant_id is not None:
        query = query.where(Meeting.registrant_id == flt.registrant_id)
    if flt.date_from:
        query = query.where(Meeting.date >= flt.date_from)
    if flt.date_to:
        query = query.where(Meeting.date <= flt.date_to)
    if flt.subject:
        query = query.where(Meeting.subject.ilike(_like(flt.subject)))
    if flt.one_sided is not None:
        both = and_(Meeting.declared_by_registrant, Meeting.declared_by_official)
        query = query.where(~both if flt.one_sided else both)
    return (await session.scalars(query)).all()
