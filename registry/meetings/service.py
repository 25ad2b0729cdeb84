"""Declaring meetings; the two sides are reconciled by :mod:`registry.meetings.reconcile`
(the diary importer reconciles through it too)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.problems import Problem
from registry.audit import Actor
from registry.models import (
    Client,
    Meeting,
    MeetingClient,
    MeetingOfficial,
    Registrant,
)
from registry.registrants.publish import DATASET, ensure_dataset
from search.normalize import normalize_name

from .reconcile import find_public_body, reconcile
from .schemas import MeetingIn

MEETING_NUMBER_LOCK = 7_424_851_020


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
