"""Reading donations: the public list, those of given entities in a window, and an entity's
donations with those of its linked records, of the companies it owns and of its owners.

Everything here is public: the donation registers are published data. Links crossed are
``auto`` and ``confirmed`` only (``links/service.py:linked_entities``); ownership is read as
of a day (``ownership/service.py:chains_as_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.links.service import Hop, linked_entities
from registry.models import Donation, Entity
from registry.ownership.service import DEFAULT_DEPTH, Direction, chains_as_of
from registry.ownership.service import Hop as OwnershipHop

CLUSTER_LIMIT = 200  # entities in one canonical party, as for contracts (behind.py)
RELATED_LIMIT = 50  # owned companies or owners whose donations an entity's view follows
ENTITY_LIMIT = 500  # donations in one entity's view


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class DonationFilter:
    donor_id: int | None = None
    recipient_id: int | None = None
    # Part of the donor's or the recipient's name: a scan, deliberately without a trigram
    # index (it halved the import's insert rate; registers hold 10^5-10^6 donations).
    q: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    value_min: Decimal | None = None


async def list_donations(session: AsyncSession, flt: DonationFilter, *, limit: int,
                         after: tuple[dt.date | None, int] | None = None,
                         ) -> Sequence[Donation]:
    """Newest first (undated last), keyset on (date, id)."""
    query = (select(Donation).order_by(Donation.date.desc().nulls_last(), Donation.id.desc())
             .limit(limit))
    if after is not None:
        day, last_id = after
        if day is None:
            query = query.where(Donation.date.is_(None), Donation.id < last_id)
        else:
            query = query.where(or_(Donation.date < day, Donation.date.is_(None),
                                    and_(Donation.date == day, Donation.id < last_id)))
    if flt.donor_id is not None:
        query = query.where(Donation.donor_id == flt.donor_id)
    if flt.recipient_id is not None:
        query = query.where(Donation.recipient_id == flt.recipient_id)
    if flt.q:
        query = query.where((Donation.donor_name + " " + Donation.recipient_name)
                            .ilike(_like(flt.q)))
    if flt.date_from is not None:
        query = query.where(Donation.date >= flt.date_from)
    if flt.date_to is not None:
        query = query.where(Donation.date <= flt.date_to)
    if flt.value_min is not None:
        query = query.where(Donation.value >= flt.value_min)
    return (await session.scalars(query)).all()


async def donations_by(session: AsyncSession, donor_ids: Iterable[int], *,
                       date_from: dt.date | None = None, date_to: dt.date | None = None,
                       limit: int = ENTITY_LIMIT) -> Sequence[Donation]:
    """Donations made by any of these entities, oldest first, within the window."""
    ids = sorted(set(donor_ids))
    if not ids:
        return []
    query = select(Donation).where(Donation.donor_id.in_(ids))
    if date_from is not None:
        query = query.where(Donation.date >= date_from)
    if date_to is not None:
        query = query.where(Donation.date <= date_to)
    return (await session.scalars(query.order_by(Donation.date, Donation.id)
                                  .limit(limit))).all()


async def entities_of(session: AsyncSession, donations: Iterable[Donation],
                      extra: Iterable[int] = ()) -> dict[int, Entity]:
    ids = {x for d in donations for x in (d.donor_id, d.recipient_id) if x is not None}
    ids |= set(extra)
    if not ids:
        return {}
    rows = await session.scalars(select(Entity).where(Entity.id.in_(ids)))
    return {e.id: e for e in rows}


@dataclass(slots=True)
class Related:
    """A donation that concerns the entity asked about, and the path to it."""

    donation: Donation
    role: str  # donor | recipient
    relation: str  # self | linked | owned | owner
    via: int  # the entity that gave or received
    link_hops: list[Hop] = field(default_factory=list)
    chain: list[OwnershipHop] = field(default_factory=list)


async def entity_donations(session: AsyncSession, entity_id: int, *,
                           include: set[str], as_of: dt.date) -> tuple[list[Related], bool]:
    """Donations made and received by the entity and by its linked records; with
    ``include`` ``owned``/``owners``, also those made by the companies it owns and by its
    owners (each with its linked records) on ``as_of``, each with the ownership chain."""
    truncated = False
    starts: list[tuple[int, str, list[OwnershipHop]]] = [(entity_id, "self", [])]
    directions: tuple[tuple[Direction, str], ...] = (("owned", "owned"), ("owners", "owner"))
    for direction, relation in directions:
        if direction not in include:
            continue
        chains = await chains_as_of(session, entity_id, as_of, DEFAULT_DEPTH, direction)
        truncated |= chains.truncated
        seen: set[int] = set()
        for path in chains.paths:  # shortest first: the closest explanation of each
            other = path.entity_id
            if other in seen or other == entity_id:
                continue
            if len(seen) >= RELATED_LIMIT:
                truncated = True
                break
            seen.add(other)
            starts.append((other, relation, list(path.hops)))
    out: list[Related] = []
    taken: set[tuple[int, str]] = set()
    for start, relation, chain in starts:
        cluster = await linked_entities(session, start, max_nodes=CLUSTER_LIMIT)
        truncated |= len(cluster) >= CLUSTER_LIMIT
        hops = dict(cluster)
        ids = list(hops)
        roles = [("donor", Donation.donor_id)]
        if relation == "self":
            roles.append(("recipient", Donation.recipient_id))
        for role, column in roles:
            rows = (await session.scalars(select(Donation).where(column.in_(ids))
                                          .order_by(Donation.date.desc().nulls_last(),
                                                    Donation.id.desc())
                                          .limit(ENTITY_LIMIT))).all()
            truncated |= len(rows) >= ENTITY_LIMIT
            for d in rows:
                if (d.id, role) in taken:
                    continue
                taken.add((d.id, role))
                via = d.donor_id if role == "donor" else d.recipient_id
                assert via is not None
                kind = relation if relation != "self" or via == entity_id else "linked"
                out.append(Related(d, role, kind, via, hops.get(via, []), chain))
    return out, truncated


@dataclass(slots=True)
class PartyTotals:
    total: list[tuple[str | None, Decimal, int]]  # (currency, value, donations)
    by_donor: list[tuple[int | None, str, str | None, Decimal, int]]
    by_year: list[tuple[int | None, str | None, Decimal, int]]


async def party_totals(session: AsyncSession, party_id: int, *,
                       limit: int = 50) -> PartyTotals:
    """Accepted donations to a party: in all, by donor (largest first), by year."""
    accepted = and_(Donation.recipient_id == party_id,
                    or_(Donation.status.is_(None), Donation.status == "accepted"))
    value = func.coalesce(func.sum(Donation.value), 0)
    total = (await session.execute(
        select(Donation.currency, value, func.count()).where(accepted)
        .group_by(Donation.currency).order_by(Donation.currency))).all()
    by_donor = (await session.execute(
        select(Donation.donor_id, func.min(Donation.donor_name), Donation.currency, value,
               func.count()).where(accepted)
        .group_by(Donation.donor_id, Donation.currency)
        .order_by(value.desc(), Donation.donor_id).limit(limit))).all()
    year = func.extract("year", Donation.date)
    by_year = (await session.execute(
        select(year, Donation.currency, value, func.count()).where(accepted)
        .group_by(year, Donation.currency).order_by(year.desc().nulls_last()))).all()
    return PartyTotals(
        total=[(c, Decimal(v or 0), int(n)) for c, v, n in total],
        by_donor=[(d, name, c, Decimal(v or 0), int(n)) for d, name, c, v, n in by_donor],
        by_year=[(int(y) if y is not None else None, c, Decimal(v or 0), int(n))
                 for y, c, v, n in by_year])
