"""Building the published view of registrants, in batches (one query per table per page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.schemas import EntityOut, entity_out
from registry.models import Client, Entity, Lobbyist, Registrant, RegistrantVersion
from registry.returns import service as returns
from registry.settings import Settings

from .codes import CATEGORIES, SUBJECT_MATTERS
from .schemas import ClientOut, Code, LobbyistOut, RegistrantOut
from .service import entry_of


def revolving_door(office_end: dt.date | None, today: dt.date, months: int) -> bool:
    """A former public office that ended within the cooling-off period."""
    if office_end is None:
        return False
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    day = min(today.day, 28)  # a safe day in every month; a few days' slack is harmless
    return office_end >= dt.date(year, month + 1, day)


async def published_views(session: AsyncSession, registrants: Sequence[Registrant],
                          settings: Settings, today: dt.date) -> list[RegistrantOut]:
    regs = [r for r in registrants if r.published_version is not None]
    if not regs:
        return []
    ids = [r.id for r in regs]
    versions = {v.registrant_id: v for v in (await session.scalars(
        select(RegistrantVersion).where(tuple_(RegistrantVersion.registrant_id,
                                               RegistrantVersion.version).in_(
            [(r.id, r.published_version) for r in regs])))).all()}
    lobbyists: dict[int, list[Lobbyist]] = {i: [] for i in ids}
    for lob in (await session.scalars(select(Lobbyist).where(Lobbyist.registrant_id.in_(ids))
                                      .order_by(Lobbyist.id))).all():
        lobbyists[lob.registrant_id].append(lob)
    clients: dict[int, list[Client]] = {i: [] for i in ids}
    for cl in (await session.scalars(select(Client).where(Client.registrant_id.in_(ids))
                                     .order_by(Client.id))).all():
        clients[cl.registrant_id].append(cl)
    entity_ids = {r.entity_id for r in regs} | {x.entity_id for v in lobbyists.values()
                                                for x in v} | {
        x.entity_id for v in clients.values() for x in v}
    entities = {e.id: e for e in (await session.scalars(
        select(Entity).where(Entity.id.in_([i for i in entity_ids if i is not None])))).all()}
    filed = await returns.filed_starts(session, ids)

    def ent(entity_id: int | None) -> EntityOut | None:
        e = entities.get(entity_id) if entity_id is not None else None
        return entity_out(e) if e is not None else None

    out: list[RegistrantOut] = []
    months = settings.revolving_door_months
    for r in regs:
        version = versions[r.id]
        entry = entry_of(version)
        lobs = [LobbyistOut(name=x.name, role=x.role, former_public_office=x.former_public_office,
                            former_office_end=x.former_office_end,
                            revolving_door=revolving_door(x.former_office_end, today, months),
                            entity=ent(x.entity_id))
                for x in lobbyists[r.id]]
        out.append(RegistrantOut(
            id=r.id, registration_number=r.registration_number, status=r.status,
            name=entry.name or r.name,
            category=Code(code=entry.category or r.category,
                          label=CATEGORIES.get(entry.category or r.category, "")),
            version=version.version, published_at=version.decided_at,
            registered_at=r.registered_at, entity=ent(r.entity_id),
            legal_form=entry.legal_form, head_office=entry.head_office, website=entry.website,
            identifiers=entry.identifiers, description=entry.description,
            subject_matters=[Code(code=c, label=SUBJECT_MATTERS.get(c, c))
                             for c in entry.subject_matters],
            legislative_files=entry.legislative_files, lobbyists=lobs,
            clients=[ClientOut(name=c.name, income_band=c.income_band,
                               entity=ent(c.entity_id))
                     for c in clients[r.id]],
            annual_costs_band=entry.annual_costs_band, funding_sources=entry.funding_sources,
            memberships=entry.memberships, revolving_door=any(x.revolving_door for x in lobs),
            returns=returns.status(r, filed[r.id], settings, today),
            status_reason=r.status_reason if r.status in {"suspended", "deregistered"} else None,
        ))
    return out
