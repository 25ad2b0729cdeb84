"""What the registry holds, for the home page: counts of public material only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.links.service import PUBLIC_STATUSES
from registry.models import Contract, Entity, Link, Meeting, Registrant


@dataclass(frozen=True, slots=True)
class Holdings:
    companies: int
    persons: int
    public_bodies: int
    contracts: int
    registrants: int  # published entries
    meetings: int  # merged duplicates counted once
    links: int  # public links (auto and confirmed)


async def holdings(session: AsyncSession) -> Holdings:
    kinds: dict[str, int] = {kind: n for kind, n in await session.execute(
        select(Entity.kind, func.count()).group_by(Entity.kind))}

    async def count(query: object) -> int:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]

    return Holdings(
        companies=kinds.get("company", 0), persons=kinds.get("person", 0),
        public_bodies=kinds.get("public_body", 0),
        contracts=await count(select(func.count()).select_from(Contract)),
        registrants=await count(select(func.count()).select_from(Registrant)
                                .where(Registrant.published_version.is_not(None))),
        meetings=await count(select(func.count()).select_from(Meeting)
                             .where(Meeting.merged_into_id.is_(None))),
        links=await count(select(func.count()).select_from(Link)
                          .where(Link.status.in_(PUBLIC_STATUSES))))
