"""Published register entries, filtered and keyset-paginated by id: one query for the API
(``GET /api/v1/registrants``) and the ``/registrants`` page and its CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Registrant, RegistrantVersion


@dataclass(frozen=True, slots=True)
class RegistrantFilter:
    category: str | None = None
    subject_matter: str | None = None
    status: str | None = None
    country: str | None = None  # of the head office, two letters
    q: str | None = None  # part of the name


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def list_published(session: AsyncSession, flt: RegistrantFilter, *, limit: int,
                         after_id: int | None = None) -> Sequence[Registrant]:
    """Entries with an approved version, by id, matching ``flt`` on that version."""
    query = (select(Registrant).join(RegistrantVersion, and_(
        RegistrantVersion.registrant_id == Registrant.id,
        RegistrantVersion.version == Registrant.published_version))
        .order_by(Registrant.id).limit(limit))
    if after_id is not None:
        query = query.where(Registrant.id > after_id)
    if flt.category:
        query = query.where(Registrant.category == flt.category)
    if flt.subject_matter:
        query = query.where(RegistrantVersion.data["subject_matters"].contains(
            [flt.subject_matter]))
    if flt.status:
        query = query.where(Registrant.status == flt.status)
    if flt.country:
        query = query.where(RegistrantVersion.data["head_office"]["country"].astext
                            == flt.country.upper())
    if flt.q:
        query = query.where(Registrant.name.ilike(_like(flt.q)))
    return (await session.scalars(query)).all()
