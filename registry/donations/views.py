"""Donations as the API and the pages both show them: an entity's, and a party's totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.contracts.schemas import ContractSummary
from registry.links.schemas import link_hops_out
from registry.links.service import linked_entities
from registry.models import Contract, ContractParty
from registry.ownership.schemas import EntityRef, entity_ref, hop_out
from registry.ownership.service import chains_as_of

from .schemas import EntityDonationOut, EntityDonationsOut, donation_out
from .service import CLUSTER_LIMIT, PartyTotals, entities_of, entity_donations, party_totals

WINNERS_DONORS = 20  # donors of a party whose contracts its page looks up
WINNERS_CONTRACTS = 10  # contracts shown per donor


async def entity_donations_out(session: AsyncSession, entity_id: int, include: set[str],
                               as_of: dt.date) -> EntityDonationsOut:
    found, truncated = await entity_donations(session, entity_id, include=include,
                                              as_of=as_of)
    extra = {entity_id} | {r.via for r in found}
    extra |= {x for r in found for h in r.link_hops for x in (h.from_id, h.to_id)}
    extra |= {x for r in found for h in r.chain for x in (h.subject_id, h.party_id)
              if x is not None}
    entities = await entities_of(session, [r.donation for r in found], extra)
    items = [EntityDonationOut(
        donation=donation_out(r.donation, entities), role=r.role, relation=r.relation,
        via=entity_ref(entities[r.via]), link_hops=link_hops_out(r.link_hops, entities),
        chain=[hop_out(h, entities) for h in r.chain])
        for r in found if r.via in entities]
    return EntityDonationsOut(items=items, truncated=truncated)


@dataclass(slots=True)
class DonorWinner:
    donor: EntityRef
    winner: EntityRef  # the donor's party, or a company it owns today, that won
    owned: bool
    contracts: list[ContractSummary]


async def _won(session: AsyncSession, ids: list[int]) -> list[Contract]:
    """Contracts whose supplier (an OCDS party with the supplier role) is any of these."""
    if not ids:
        return []
    rows = await session.scalars(
        select(Contract).where(Contract.id.in_(
            select(ContractParty.contract_id).where(ContractParty.entity_id.in_(ids),
                                                    ContractParty.role == "supplier")))
        .order_by(Contract.date.desc().nulls_last(), Contract.id.desc())
        .limit(WINNERS_CONTRACTS))
    return list(rows.all())


async def donors_that_won(session: AsyncSession, totals: PartyTotals,
                          today: dt.date) -> list[DonorWinner]:
    """The party's largest donors whose party, or a company they own today, supplied a
    contract (links: auto and confirmed only)."""
    out: list[DonorWinner] = []
    donors = list(dict.fromkeys(d for d, *_ in totals.by_donor if d is not None))
    for donor_id in donors[:WINNERS_DONORS]:
        cluster = [eid for eid, _ in await linked_entities(session, donor_id,
                                                           max_nodes=CLUSTER_LIMIT)]
        candidates: list[tuple[int, list[int], bool]] = [(donor_id, cluster, False)]
        for member in cluster:
            chains = await chains_as_of(session, member, today, direction="owned")
            for path in chains.paths:
                owned = [eid for eid, _ in await linked_entities(
                    session, path.entity_id, max_nodes=CLUSTER_LIMIT)]
                candidates.append((path.entity_id, owned, True))
        seen: set[int] = set()
        for winner, ids, owned_flag in candidates:
            contracts = [c for c in await _won(session, ids) if c.id not in seen]
            if not contracts:
                continue
            seen |= {c.id for c in contracts}
            entities = await entities_of(session, [], {donor_id, winner})
            out.append(DonorWinner(
                donor=entity_ref(entities[donor_id]), winner=entity_ref(entities[winner]),
                owned=owned_flag,
                contracts=[ContractSummary(id=c.id, ocid=c.ocid, dataset=c.dataset,
                                           title=c.title,
                                           date=c.date.isoformat() if c.date else None)
                           for c in contracts]))
    return out


async def party_view(session: AsyncSession, party_id: int,
                     today: dt.date) -> tuple[PartyTotals, list[DonorWinner]]:
    totals = await party_totals(session, party_id)
    return totals, await donors_that_won(session, totals, today)
