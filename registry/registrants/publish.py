"""What approval publishes besides the version: the registrant's Entity (dataset
``register``, source key = registration number) and the ``lobbyists``/``clients`` rows with
their Entities (``R000123/lobbyist/1``, ``R000123/client/1``), so that search and linking
reach them. Changed entity ids go to the search outbox in the same transaction.

A lobbyist or client keeps its source key across versions (matched by normalised name), so
links made to it stay right; one who left is closed (``is_closed``), not deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.write import set_identifiers, set_names
from registry.models import Client, Dataset, Entity, Lobbyist, Registrant
from search.normalize import normalize_name

from .codes import CATEGORIES, PERSON_CATEGORIES
from .schemas import Entry

DATASET = "register"


async def ensure_dataset(session: AsyncSession) -> None:
    if await session.get(Dataset, DATASET) is None:
        session.add(Dataset(name=DATASET, title="Self-registrations in this register",
                            source="register", licence="CC-BY-4.0"))
        await session.flush()


async def publish(session: AsyncSession, registrant: Registrant, entry: Entry,
                  version: int) -> None:
    assert registrant.registration_number
    number = registrant.registration_number
    await ensure_dataset(session)

    entity = await _entity(session, number)
    if entity is None:
        entity = Entity(dataset=DATASET, source_key=number, kind="company", name="")
        session.add(entity)
    entity.kind = "person" if entry.category in PERSON_CATEGORIES else "company"
    entity.name = entry.name or registrant.name
    office = entry.head_office
    entity.country = office.country if office else None
    entity.legal_form = entry.legal_form
    entity.addresses = ([{"type": "head_office", "address": office.address, "city": office.city,
                          "postCode": office.post_code, "country": office.country}]
                        if office and office.address else [])
    entity.data = {"category": entry.category, "category_label": CATEGORIES.get(
        entry.category or ""), "website": entry.website, "registration_number": number}
    entity.statement_id = f"{number}/v{version}"
    entity.is_closed = registrant.status == "deregistered"
    set_names(entity, entity.name)
    set_identifiers(entity, [{"scheme": i.scheme, "id": i.id} for i in entry.identifiers])
    await session.flush()
    registrant.entity_id = entity.id

    await session.execute(delete(Lobbyist).where(Lobbyist.registrant_id == registrant.id))
    await session.execute(delete(Client).where(Client.registrant_id == registrant.id))
    lobbyists = await _people(session, f"{number}/lobbyist/",
                              [(lob.name or "", "person", []) for lob in entry.lobbyists],
                              entry_country=entity.country, version=version)
    for lob, ent in zip(entry.lobbyists, lobbyists, strict=True):
        session.add(Lobbyist(registrant_id=registrant.id, entity_id=ent.id, name=lob.name or "",
                             role=lob.role, former_public_office=lob.former_public_office,
                             former_office_end=lob.former_office_end))
    clients = await _people(
        session, f"{number}/client/",
        [(c.name or "", "company", [{"scheme": i.scheme, "id": i.id} for i in c.identifiers])
         for c in entry.clients], entry_country=None, version=version)
    for client, ent in zip(entry.clients, clients, strict=True):
        session.add(Client(registrant_id=registrant.id, entity_id=ent.id, name=client.name or "",
                           income_band=client.income_band))
    await session.flush()


async def close_entities(session: AsyncSession, registrant: Registrant) -> None:
    """On deregistration: the registrant's entity is marked closed (and re-indexed)."""
    if registrant.entity_id is None:
        return
    entity = await session.get(Entity, registrant.entity_id)
    if entity is not None:
        entity.is_closed = registrant.status == "deregistered"


async def _entity(session: AsyncSession, source_key: str) -> Entity | None:
    return (await session.scalars(select(Entity).where(
        Entity.dataset == DATASET, Entity.source_key == source_key))).first()


async def _people(session: AsyncSession, key_prefix: str,
                  wanted: list[tuple[str, str, list[dict[str, Any]]]], *,
                  entry_country: str | None, version: int) -> list[Entity]:
    """One entity per wanted (name, kind, identifiers), reusing existing keys by name."""
    existing = (await session.scalars(select(Entity).where(
        Entity.dataset == DATASET, Entity.source_key.startswith(key_prefix, autoescape=True))
        .order_by(Entity.id))).all()
    by_name: dict[str, list[Entity]] = {}
    numbers = [0]
    for e in existing:
        by_name.setdefault(normalize_name(e.name), []).append(e)
        tail = e.source_key[len(key_prefix):]
        if tail.isdigit():
            numbers.append(int(tail))
    next_number = max(numbers) + 1
    used: set[int] = set()
    out: list[Entity] = []
    for name, kind, identifiers in wanted:
        candidates = [e for e in by_name.get(normalize_name(name), []) if e.id not in used]
        if candidates:
            entity = candidates[0]
        else:
            entity = Entity(dataset=DATASET, source_key=f"{key_prefix}{next_number}", kind=kind,
                            name=name, country=entry_country)
            next_number += 1
            session.add(entity)
        entity.name = name
        entity.kind = kind
        entity.is_closed = False
        entity.statement_id = f"{key_prefix}v{version}"
        set_names(entity, name)
        set_identifiers(entity, identifiers)
        await session.flush()
        used.add(entity.id)
        out.append(entity)
    for e in existing:
        if e.id not in used and not e.is_closed:
            e.is_closed = True  # no longer declared; kept for links and history
    return out
