"""Declaring meetings and reconciling the two sides.

The same meeting declared by a registrant and by an official's published diary becomes one:
same date, same registrant (by id, or for diary rows by normalised name or registration
number), and the same institution or an official in common. The registrant's declaration is
kept (it names clients and legislation); the diary row points at it with ``merged_into_id``
and the kept row is marked declared by both sides. A meeting declared by one side only is
flagged ``one_sided`` in the public view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.problems import Problem
from registry.audit import Actor
from registry.models import (
    Client,
    Entity,
    EntityName,
    Meeting,
    MeetingClient,
    MeetingOfficial,
    Registrant,
)
from registry.registrants.publish import DATASET, ensure_dataset
from search.normalize import normalize_name

from .schemas import MeetingIn

MEETING_NUMBER_LOCK = 7_424_851_020


def _norms(values: Sequence[str | None]) -> set[str]:
    return {n for n in (normalize_name(v) for v in values if v) if n}


def same_meeting(a: Meeting, b: Meeting) -> bool:
    """Same date and the same institution or an official in common (the registrant is
    matched by the caller)."""
    if a.date != b.date:
        return False
    if a.institution_id is not None and a.institution_id == b.institution_id:
        return True
    a_inst = _norms([o.institution for o in a.officials])
    b_inst = _norms([o.institution for o in b.officials])
    if a_inst & b_inst:
        return True
    return bool(_norms([o.name for o in a.officials]) & _norms([o.name for o in b.officials]))


async def find_public_body(session: AsyncSession, name: str | None) -> int | None:
    """An existing public body with exactly this (normalised) name, e.g. a procurement buyer,
    so that meetings and contracts meet at the same entity."""
    norm = normalize_name(name or "")
    if not norm:
        return None
    return (await session.scalars(
        select(Entity.id).join(EntityName, EntityName.entity_id == Entity.id)
        .where(Entity.kind == "public_body", EntityName.normalized == norm)
        .order_by(Entity.id).limit(1))).first()


async def reconcile(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    """Merge ``meeting`` with its counterpart from the other side, if there is one.
    Returns the counterpart."""
    if meeting.registrant_id is None or meeting.merged_into_id is not None:
        return None
    other_side = (Meeting.declared_by_official if meeting.declared_by_registrant
                  else Meeting.declared_by_registrant)
    candidates = (await session.scalars(select(Meeting).where(
        Meeting.date == meeting.date, Meeting.registrant_id == meeting.registrant_id,
        Meeting.merged_into_id.is_(None), Meeting.id != meeting.id, other_side.is_(True),
        # a row already reconciled (declared by both) is taken
        Meeting.declared_by_registrant != Meeting.declared_by_official)
        .order_by(Meeting.id))).all()
    for other in candidates:
        if same_meeting(meeting, other):
            kept, dup = ((meeting, other) if meeting.declared_by_registrant else (other, meeting))
            dup.merged_into_id = kept.id
            kept.declared_by_official = True
            kept.declared_by_registrant = True
            if kept.institution_id is None:
                kept.institution_id = dup.institution_id
            await session.flush()
            return other
    return None


async def declare(session: AsyncSession, actor: Actor, registrant: Registrant,
                  data: MeetingIn) -> Meeting:
    if registrant.status != "active" or registrant.registration_number is None:
        raise Problem(409, "Only an active (published) registrant declares meetings.",
                      type_="conflict")
    if data.date > dt.date.today():
        raise Problem(422, "A meeting is declared once it has taken place.", field="date",
                      type_="validation")
    if not data.officials:
        raise Problem(422, "Name at least one official.", field="officials", type_="validation")
    for i, official in enumerate(data.officials):
        if not official.name.strip():
            raise Problem(422, "Give the official's name.", field=f"officials[{i}].name",
                          type_="validation")
    if not data.subject.strip():
        raise Problem(422, "Give the subject of the meeting.", field="subject",
                      type_="validation")
    institution = data.institution or next(
        (o.institution for o in data.officials if o.institution), None)
    if not institution:
        raise Problem(422, "Name the officials' institution.", field="institution",
                      type_="validation")
    await ensure_dataset(session)
    await session.execute(text("SELECT pg_advisory_xact_lock(:k, :r)"),
                          {"k": MEETING_NUMBER_LOCK % 2**31, "r": registrant.id})
    prefix = f"{registrant.registration_number}/meeting/"
    count = await session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.dataset == DATASET, Meeting.source_key.startswith(prefix, autoescape=True)))
    meeting = Meeting(
        dataset=DATASET, source_key=f"{prefix}{(count or 0) + 1}", date=data.date,
        subject=data.subject.strip(), legislation=data.legislation, location=data.location,
        institution_id=await find_public_body(session, institution),
        registrant_id=registrant.id, registrant_name=registrant.name,
        declared_by_registrant=True, declared_by_official=False,
        created_by=actor.principal.user_id if actor.principal else None)
    meeting.officials = [MeetingOfficial(name=o.name.strip(), role=o.role,
                                         institution=o.institution or institution)
                         for o in data.officials]
    known = {normalize_name(c.name): c for c in (await session.scalars(
        select(Client).where(Client.registrant_id == registrant.id))).all()}
    meeting.clients = []
    for name in data.clients:
        client = known.get(normalize_name(name))
        meeting.clients.append(MeetingClient(
            name=name, client_id=client.id if client else None,
            entity_id=client.entity_id if client else None))
    session.add(meeting)
    await session.flush()
    counterpart = await reconcile(session, meeting)
    actor.log(session, "meeting.declare", "meeting", meeting.id,
              {"registrant_id": registrant.id, "date": data.date.isoformat(),
               "reconciled_with": counterpart.id if counterpart else None})
    return meeting
