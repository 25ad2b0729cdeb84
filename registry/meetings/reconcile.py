"""Reconciling the two sides of a meeting, shared by declarations (``registry.meetings.
service``) and the diary importer (``importers.meetings``), so it depends on the models only.

The same meeting declared by a registrant and by an official's published diary becomes one:
same date, same registrant (by id, or for diary rows by normalised name or registration
number), and the same institution or an official in common. The registrant's declaration is
kept (it names clients and legislation); the diary row points at it with ``merged_into_id``
and the kept row is marked declared by both sides. A meeting declared by one side only is
flagged ``one_sided`` in the public view.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Entity, EntityName, Meeting
from search.normalize import normalize_name

__all__ = ["find_public_body", "reconcile", "same_meeting"]


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
