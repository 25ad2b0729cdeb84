"""Reading entities. Stateless functions; the session is the first argument."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Entity


async def get_entity(session: AsyncSession, entity_id: int) -> Entity | None:
    return await session.get(Entity, entity_id)


async def list_entities(
    session: AsyncSession, *, after_id: int | None, limit: int, kind: str | None = None,
    dataset: str | None = None, country: str | None = None,
) -> Sequence[Entity]:
    query = select(Entity).order_by(Entity.id).limit(limit)
    if after_id is not None:
        query = query.where(Entity.id > after_id)
    if kind:
        query = query.where(Entity.kind == kind)
    if dataset:
        query = query.where(Entity.dataset == dataset)
    if country:
        query = query.where(Entity.country == country.upper())
    return (await session.scalars(query)).all()
