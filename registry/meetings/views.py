"""The public view of meetings, built in batches."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.schemas import EntityOut, entity_out
from registry.models import Entity, Meeting, Registrant

from .schemas import ClientRef, MeetingOut, OfficialOut, RegistrantRef


def meeting_entity_ids(meetings: Sequence[Meeting]) -> set[int]:
    """The entities a meeting's view shows (institution, officials, clients)."""
    found = {m.institution_id for m in meetings} | {
        o.entity_id for m in meetings for o in m.officials} | {
        c.entity_id for m in meetings for c in m.clients}
    return {i for i in found if i is not None}


async def meeting_views(session: AsyncSession, meetings: Sequence[Meeting], *,
                        entities: dict[int, Entity] | None = None,
                        registrants: dict[int, Registrant] | None = None,
                        ) -> list[MeetingOut]:
    """``entities`` and ``registrants``: already loaded by the caller (with every entity of
    :func:`meeting_entity_ids` and every registrant of the meetings), to save the reads."""
    ids = [m.id for m in meetings]
    merged: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for kept, key in (await session.execute(select(Meeting.merged_into_id, Meeting.source_key)
                                                .where(Meeting.merged_into_id.in_(ids)))).all():
            if kept is not None:
                merged[kept].append(key)
    if entities is None:
        entities = {e.id: e for e in (await session.scalars(select(Entity).where(
            Entity.id.in_(meeting_entity_ids(meetings))))).all()}
    if registrants is None:
        reg_ids = {m.registrant_id for m in meetings if m.registrant_id is not None}
        registrants = {r.id: r for r in (await session.scalars(
            select(Registrant).where(Registrant.id.in_(reg_ids)))).all()}

    def ent(entity_id: int | None) -> EntityOut | None:
        e = entities.get(entity_id) if entity_id is not None else None
        return entity_out(e) if e is not None else None

    out: list[MeetingOut] = []
    for m in meetings:
        reg = registrants.get(m.registrant_id) if m.registrant_id is not None else None
        both = m.declared_by_registrant and m.declared_by_official
        out.append(MeetingOut(
            id=m.id, date=m.date, subject=m.subject, dataset=m.dataset, source_key=m.source_key,
            declared_by="both" if both else ("registrant" if m.declared_by_registrant
                                             else "official"),
            one_sided=not both, declared_by_registrant=m.declared_by_registrant,
            declared_by_official=m.declared_by_official,
            officials=[OfficialOut(name=o.name, role=o.role, institution=o.institution,
                                   entity=ent(o.entity_id)) for o in m.officials],
            clients=[ClientRef(name=c.name, entity=ent(c.entity_id)) for c in m.clients],
            legislation=m.legislation, location=m.location, institution=ent(m.institution_id),
            institution_name=next((o.institution for o in m.officials if o.institution), None),
            registrant=RegistrantRef(id=reg.id, name=reg.name,
                                     registration_number=reg.registration_number)
            if reg is not None and reg.published_version is not None else None,
            registrant_name=m.registrant_name, merged=merged.get(m.id, [])))
    return out
