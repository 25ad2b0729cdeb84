"""Who is behind this contract: ``GET /api/v1/contracts/{ocid}/behind``.

For each award and each supplier:

1. **companies**: the supplier's canonical party, i.e. the entities it is linked to over
   ``auto`` and ``confirmed`` links (``registry/links/service.py:linked_entities``), each
   with the links crossed and their evidence;
2. **owners**: the direct and indirect owners of the supplier and of each of those
   companies on the award date (``registry/ownership/service.py:chains_as_of``), with the
   effective share and the chains (relationship ids, interests in force);
3. **lobbying**: the register entities (published registrants, their clients and
   lobbyists) linked to the supplier, a company or an owner, with the links crossed;
4. **meetings**: meetings in the year up to the award date (inclusive) with the buyer or an
   institution linked to it, not merged into another declaration, where the registrant is
   one found in 3, or a client found in 3 is among the meeting's clients, or the registrant
   employs a lobbyist found in 3. ``why`` says which of these holds;
5. **donations**: donations to parties made, in the years before the award
   (``REGISTRY_DONATIONS_YEARS``, default 5) up to its date, by the supplier, the companies
   linked to it, or its owners on the award date (each with its linked records): the link
   hops from the supplier or owner to the donor's record, and for an owner the ownership
   chains from the company it owns.

Only public material: links a person has not rejected and the machine is sure of (auto) or
a person confirmed; registrants with a published (approved) version; meetings not merged
away. Entities are shown through ``entity_out`` (never their restricted details).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from registry.donations.schemas import DonationOut, donation_out
from registry.donations.service import donations_by
from registry.entities.schemas import EntityOut, entity_out
from registry.links.schemas import LinkHopOut, link_hops_out
from registry.links.service import Hop, linked_entities
from registry.meetings.schemas import MeetingOut, RegistrantRef
from registry.meetings.views import meeting_entity_ids, meeting_views
from registry.models import Award, Contract, Donation, Entity, Meeting, Registrant
from registry.ownership.schemas import (
    EntityRef,
    HopOut,
    PathOut,
    ShareOut,
    entity_ref,
    hop_out,
    share_out,
)
from registry.ownership.service import (
    Chains,
    Owner,
    UnspecifiedParty,
    canonical_cycle,
    chains_as_of,
    summarise,
)
from registry.ownership.service import (
    Hop as OwnershipHop,
)
from search.normalize import normalize_name

from .walks import LinkGraph, LinkRow, OwnershipGraph, read_links, read_ownership

ROLES = ("registrant", "client", "lobbyist")
DEFAULT_DONATION_YEARS = 5
CLUSTER_LIMIT = 200  # entities in one canonical party: beyond that a bad link is likely
# One request's budget: awards x suppliers x linked companies x owners multiply, so the
# walks (a link cluster or an ownership walk each) are counted across the whole answer.
MAX_SUPPLIERS = 50  # (award, supplier) pairs answered
MAX_WALKS = 400


# --- public shapes ------------------------------------------------------------------------

class LinkedOut(msgspec.Struct):
    entity: EntityOut
    hops: list[LinkHopOut]  # from the entity asked about to this one


class OwnerOut(msgspec.Struct, omit_defaults=True):
    entity: EntityOut
    via_company: EntityRef  # the supplier or linked company whose owner this is
    share_complete: bool  # every chain states its shares
    direct: bool
    ultimate: bool  # nothing found further up
    chains: list[PathOut]  # relationship by relationship, with the interests in force
    effective_share: ShareOut | None = None


class UnknownOwnerOut(msgspec.Struct, omit_defaults=True):
    """An owner the source declares it cannot name (a BODS unspecified record)."""

    via_company: EntityRef  # the supplier or linked company up whose chain it is declared
    subject: EntityRef | None  # the company whose owner is unknown
    chain: list[HopOut]  # from ``via_company``, ending with the declaring relationship
    reason: str | None = None
    description: str | None = None


class LobbyingOut(msgspec.Struct):
    entity: EntityOut  # the register's entity
    role: str  # registrant | client | lobbyist
    registrant: RegistrantRef
    via: EntityRef  # the supplier, company or owner it is linked to
    hops: list[LinkHopOut]  # from ``via`` to ``entity``


class WhyOut(msgspec.Struct):
    role: str  # registrant | client | lobbyist: what the found entity is to this meeting
    entity: EntityRef
    via: EntityRef


class MeetingWhyOut(msgspec.Struct):
    meeting: MeetingOut
    institution_hops: list[LinkHopOut]  # from the buyer to the meeting's institution
    why: list[WhyOut]


class DonationFoundOut(msgspec.Struct, omit_defaults=True):
    """A donation by the supplier's party or an owner's: ``via`` gave it through the donor's
    record reached by ``hops``; for an owner, ``owner_of`` is the supplier or linked company
    it owns and ``chains`` the ownership paths on the award date."""

    donation: DonationOut
    relation: str  # supplier | owner
    via: EntityRef
    hops: list[LinkHopOut]  # from ``via`` to the donor's record
    owner_of: EntityRef | None = None
    chains: list[PathOut] = []


class DissolvedOut(msgspec.Struct, omit_defaults=True):
    """A company linked to the supplier that its register says was dissolved before the
    award date: the award went to a company that no longer existed, or the link is wrong."""

    entity: EntityRef
    dissolution_date: str
    status: str | None = None


class SupplierOut(msgspec.Struct):
    award_id: str
    award_date: str | None  # as published
    as_of: str  # the day ownership is read on and the meeting window ends
    meetings_from: str  # the first day of the meeting window
    supplier: EntityOut
    companies: list[LinkedOut]
    owners: list[OwnerOut]
    unknown_owners: list[UnknownOwnerOut]
    cycles: list[list[EntityRef]]  # ownership loops met on the chains, first == last
    lobbying: list[LobbyingOut]
    meetings: list[MeetingWhyOut]
    truncated: bool  # a bound on links or chains was hit: there may be more
    donations_from: str = ""  # the first day of the donations window
    donations: list[DonationFoundOut] = []
    dissolved_before_award: list[DissolvedOut] = []


class ContractRef(msgspec.Struct):
    id: int
    ocid: str
    dataset: str
    title: str | None
    buyer: EntityOut | None


class BehindOut(msgspec.Struct):
    contract: ContractRef
    buyer_links: list[LinkedOut]  # institutions that count as the buyer
    suppliers: list[SupplierOut]


# --- gathering ----------------------------------------------------------------------------

@dataclass(slots=True)
class Role:
    entity_id: int
    role: str
    registrant_id: int
    row_id: int | None  # the client or lobbyist row
    name: str


@dataclass(slots=True)
class Found:
    role: Role
    via: int
    hops: list[Hop]


@dataclass(slots=True)
class Given:
    donation: Donation
    via: int  # the supplier or an owner
    hops: list[Hop]  # from ``via`` to the donor's record
    owner: tuple[Owner, int] | None  # for an owner: its summary and the company it owns


@dataclass(slots=True)
class SupplierFacts:
    award_id: str
    award_date: dt.datetime | None
    as_of: dt.date
    supplier_id: int
    cluster: list[tuple[int, list[Hop]]]
    owners: list[tuple[Owner, int]] = field(default_factory=list)
    unknown: list[tuple[UnspecifiedParty, int]] = field(default_factory=list)
    cycles: dict[tuple[int, ...], list[int]] = field(default_factory=dict)  # canonical: loop
    found: list[Found] = field(default_factory=list)
    meetings: list[tuple[Meeting, list[Found]]] = field(default_factory=list)
    donations_from: dt.date | None = None
    donations: list[Given] = field(default_factory=list)
    truncated: bool = False


_ROLES = text("""
SELECT r.entity_id, 'registrant' AS role, r.id AS registrant_id, NULL::bigint AS row_id,
       r.name
FROM registrants r
WHERE r.entity_id = ANY(:ids) AND r.published_version IS NOT NULL
UNION ALL
SELECT c.entity_id, 'client', c.registrant_id, c.id, c.name
FROM clients c JOIN registrants r ON r.id = c.registrant_id
WHERE c.entity_id = ANY(:ids) AND r.published_version IS NOT NULL
UNION ALL
SELECT l.entity_id, 'lobbyist', l.registrant_id, l.id, l.name
FROM lobbyists l JOIN registrants r ON r.id = l.registrant_id
WHERE l.entity_id = ANY(:ids) AND r.published_version IS NOT NULL
ORDER BY 1, 2, 3, 4
""")


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def year_before(day: dt.date) -> dt.date:
    return years_before(day, 1)


class Walker:
    """Caches the link clusters and chains one request asks for more than once, and counts
    them against the request's budget. What :meth:`prefetch` read is walked in memory
    (``registry/contracts/walks.py``); anything else is walked in the database."""

    def __init__(self, session: AsyncSession, walks: int) -> None:
        self.session = session
        self._clusters: dict[int, list[tuple[int, list[Hop]]]] = {}
        self._chains: dict[tuple[int, dt.date], Chains] = {}
        self._walked_clusters: dict[int, list[tuple[int, list[Hop]]]] = {}
        self._walked_chains: dict[tuple[int, dt.date], Chains] = {}
        self._links: list[LinkRow] = []
        self._link_graph = LinkGraph([])
        self._link_starts: set[int] = set()
        self._ownership = OwnershipGraph([])
        self._ownership_starts: set[int] = set()
        self.walks = walks  # left in this request's budget
        self.exhausted = False  # a walk was refused: the answer is incomplete

    def _spend(self) -> bool:
        if self.walks <= 0:
            self.exhausted = True
            return False
        self.walks -= 1
        return True

    async def _walk_cluster(self, entity_id: int) -> list[tuple[int, list[Hop]]]:
        if entity_id not in self._walked_clusters:
            if entity_id in self._link_starts:
                found = self._link_graph.cluster(entity_id, max_nodes=CLUSTER_LIMIT)
            else:
                found = await linked_entities(self.session, entity_id,
                                              max_nodes=CLUSTER_LIMIT)
            self._walked_clusters[entity_id] = found
        return self._walked_clusters[entity_id]

    async def _walk_chains(self, entity_id: int, as_of: dt.date) -> Chains:
        key = (entity_id, as_of)
        if key not in self._walked_chains:
            if entity_id in self._ownership_starts:
                found = await self._ownership.chains(entity_id, as_of)
            else:
                found = await chains_as_of(self.session, entity_id, as_of)
            self._walked_chains[key] = found
        return self._walked_chains[key]

    async def _read_links(self, starts: Iterable[int]) -> None:
        wanted = set(starts) - self._link_starts
        graph = await read_links(self.session, wanted) if wanted else None
        if graph is not None:
            self._links += graph.rows
            self._link_graph = LinkGraph(self._links)
            self._link_starts |= wanted

    async def prefetch(self, buyer: int | None, suppliers: list[tuple[int, dt.date]]) -> None:
        """Read in bulk what :meth:`cluster` and :meth:`chains` will be asked for the buyer
        and these (supplier, award day) pairs: the clusters of the buyer and the suppliers,
        the chains of their companies, the clusters of the companies and of their owners.
        Three statements, whatever the number of suppliers."""
        await self._read_links([s for s, _ in suppliers] + ([buyer] if buyer is not None
                                                              else []))
        chains: list[tuple[int, dt.date]] = []
        members: set[int] = set()
        for supplier, day in suppliers:
            cluster = {eid for eid, _ in await self._walk_cluster(supplier)}
            members |= cluster
            chains += [(eid, day) for eid in cluster]
        graph = await read_ownership(self.session, sorted(members))
        if graph is not None:
            self._ownership, self._ownership_starts = graph, members
        owners: set[int] = set()
        for eid, day in chains:
            owners |= {p.entity_id for p in (await self._walk_chains(eid, day)).paths}
        await self._read_links(members | owners)

    async def cluster(self, entity_id: int) -> list[tuple[int, list[Hop]]]:
        if entity_id not in self._clusters:
            if not self._spend():
                return [(entity_id, [])]
            self._clusters[entity_id] = await self._walk_cluster(entity_id)
        return self._clusters[entity_id]

    async def chains(self, entity_id: int, as_of: dt.date) -> Chains:
        key = (entity_id, as_of)
        if key not in self._chains:
            if not self._spend():
                return Chains(entity_id, as_of, "owners", truncated=True)
            self._chains[key] = await self._walk_chains(entity_id, as_of)
        return self._chains[key]


async def _roles(session: AsyncSession, ids: Iterable[int]) -> dict[int, list[Role]]:
    out: dict[int, list[Role]] = {}
    for r in await session.execute(_ROLES, {"ids": sorted(set(ids))}):
        out.setdefault(r.entity_id, []).append(
            Role(r.entity_id, r.role, r.registrant_id, r.row_id, r.name))
    return out


async def _lobbying(session: AsyncSession, walker: Walker, starts: list[int]) -> list[Found]:
    """Register entities linked to any of ``starts``; each (entity, role, registrant) once,
    by the first start that reaches it (the supplier, then its companies, then owners:
    the closest explanation), along the shortest path from there."""
    reached: list[tuple[int, int, list[Hop]]] = []  # (start, entity, hops)
    for start in dict.fromkeys(starts):
        reached += [(start, eid, hops) for eid, hops in await walker.cluster(start)]
    roles = await _roles(session, {eid for _, eid, _ in reached})
    best: dict[tuple[int, str, int], Found] = {}
    for start, eid, hops in reached:
        for role in roles.get(eid, []):
            key = (eid, role.role, role.registrant_id)
            if key not in best:
                best[key] = Found(role, start, hops)
    return list(best.values())


def _represents(meeting: Meeting, client: Role) -> bool:
    # Declared meetings name the client row or its entity; diaries only a name.
    name = normalize_name(client.name)
    return any(c.client_id == client.row_id or c.entity_id == client.entity_id
               or (name and normalize_name(c.name) == name) for c in meeting.clients)


def _why(meeting: Meeting, found: list[Found]) -> list[Found]:
    """Which findings make this meeting relevant (none: it is not). A registrant or a
    lobbyist's employer held it, or it was held on behalf of a client found."""
    return [f for f in found
            if meeting.registrant_id == f.role.registrant_id
            and (f.role.role != "client" or _represents(meeting, f.role))]


async def _meetings(session: AsyncSession, institutions: set[int], facts: SupplierFacts,
                    ) -> list[tuple[Meeting, list[Found]]]:
    registrants = {f.role.registrant_id for f in facts.found}
    if not registrants or not institutions:
        return []
    rows = (await session.scalars(select(Meeting).where(
        Meeting.merged_into_id.is_(None),
        Meeting.date >= year_before(facts.as_of), Meeting.date <= facts.as_of,
        Meeting.institution_id.in_(institutions),
        Meeting.registrant_id.in_(registrants))
        .options(joinedload(Meeting.officials), joinedload(Meeting.clients))
        .order_by(Meeting.date, Meeting.id))).unique().all()
    out = []
    for m in rows:
        why = _why(m, facts.found)
        if why:
            out.append((m, why))
    return out


async def _donations(session: AsyncSession, walker: Walker, facts: SupplierFacts,
                     ) -> list[Given]:
    """Donations in the window by the supplier's party or an owner's; each once, by the
    first that reaches its donor (the supplier, then owners: the closest explanation)."""
    starts: list[tuple[int, tuple[Owner, int] | None]] = [(facts.supplier_id, None)]
    starts += [(o.entity_id, (o, via)) for o, via in facts.owners]
    reached: dict[int, tuple[int, list[Hop], tuple[Owner, int] | None]] = {}
    for start, owner in starts:
        for eid, hops in await walker.cluster(start):
            reached.setdefault(eid, (start, hops, owner))
    assert facts.donations_from is not None
    rows = await donations_by(session, reached, date_from=facts.donations_from,
                              date_to=facts.as_of)
    out = []
    for d in rows:
        assert d.donor_id is not None
        via, hops, owner = reached[d.donor_id]
        out.append(Given(d, via, hops, owner))
    return out


def _as_of(award: Award, contract: Contract) -> dt.date:
    when = award.date or contract.date
    return when.date() if when is not None else dt.datetime.now(dt.UTC).date()


async def gather(session: AsyncSession, contract: Contract,
                 donation_years: int = DEFAULT_DONATION_YEARS,
                 ) -> tuple[list[tuple[int, list[Hop]]], list[SupplierFacts]]:
    walker = Walker(session, MAX_WALKS)
    pairs = [(s.entity_id, _as_of(award, contract)) for award in contract.awards
             for s in award.suppliers][:MAX_SUPPLIERS]
    await walker.prefetch(contract.buyer_id, pairs)
    buyer = await walker.cluster(contract.buyer_id) if contract.buyer_id is not None else []
    institutions = {eid for eid, _ in buyer}
    facts: list[SupplierFacts] = []
    for award in contract.awards:
        as_of = _as_of(award, contract)
        for s in award.suppliers:
            if len(facts) >= MAX_SUPPLIERS:
                if facts:
                    facts[-1].truncated = True
                break
            cluster = await walker.cluster(s.entity_id)
            f = SupplierFacts(award.award_id, award.date, as_of, s.entity_id, cluster,
                              truncated=len(cluster) >= CLUSTER_LIMIT)
            members = [eid for eid, _ in cluster]
            for company in members:
                chains = await walker.chains(company, as_of)
                f.truncated |= chains.truncated
                f.owners += [(o, company) for o in summarise(chains)
                             if o.entity_id not in members]
                f.unknown += [(u, company) for u in chains.unspecified]
                for loop in chains.cycles:  # the same loop may be met from several companies
                    f.cycles.setdefault(canonical_cycle(tuple(loop)), loop)
            f.found = await _lobbying(session, walker,
                                      members + [o.entity_id for o, _ in f.owners])
            f.meetings = await _meetings(session, institutions, f)
            f.donations_from = years_before(as_of, donation_years)
            f.donations = await _donations(session, walker, f)
            f.truncated |= walker.exhausted
            facts.append(f)
    return buyer, facts


# --- rendering ----------------------------------------------------------------------------

def _ids(buyer: list[tuple[int, list[Hop]]], facts: list[SupplierFacts],
         contract: Contract) -> set[int]:
    ids = {eid for eid, _ in buyer} | {h.from_id for _, hs in buyer for h in hs}
    if contract.buyer_id is not None:
        ids.add(contract.buyer_id)
    for f in facts:
        ids.add(f.supplier_id)
        ids |= {eid for eid, _ in f.cluster}
        for o, via in f.owners:
            ids |= {o.entity_id, via}
            for p in o.paths:
                ids |= _parties(p.hops)
        for u, via in f.unknown:
            ids |= {u.subject_id, via} | _parties(u.hops)
        for loop in f.cycles.values():
            ids.update(loop)
        for found in f.found:
            ids |= {found.role.entity_id, found.via}
            ids |= {x for h in found.hops for x in (h.from_id, h.to_id)}
        for g in f.donations:
            ids |= {x for x in (g.donation.donor_id, g.donation.recipient_id, g.via)
                    if x is not None}
            ids |= {x for h in g.hops for x in (h.from_id, h.to_id)}
    return ids


def _parties(hops: Iterable[OwnershipHop]) -> set[int]:
    return {x for h in hops for x in (h.subject_id, h.party_id) if x is not None}


_hops = link_hops_out  # the public pages import it by this name


def _dissolved(f: SupplierFacts, entities: dict[int, Entity]) -> list[DissolvedOut]:
    out = []
    for eid, _ in f.cluster:
        e = entities.get(eid)
        if e is None or not e.dissolution_date:
            continue
        try:
            day = dt.date.fromisoformat(e.dissolution_date[:10])
        except ValueError:
            continue
        if day < f.as_of:
            status = e.data.get("status") if isinstance(e.data, dict) else None
            out.append(DissolvedOut(entity=entity_ref(e), dissolution_date=day.isoformat(),
                                    status=status if isinstance(status, str) else None))
    return out


def _owner(o: Owner, via: int, entities: dict[int, Entity]) -> OwnerOut:
    return OwnerOut(
        entity=entity_out(entities[o.entity_id]), via_company=entity_ref(entities[via]),
        share_complete=o.share_complete, direct=o.direct, ultimate=o.ultimate,
        chains=[PathOut(hops=[hop_out(h, entities) for h in p.hops], share=share_out(p.share))
                for p in o.paths],
        effective_share=share_out(o.share))


def _unknown(u: UnspecifiedParty, via: int, entities: dict[int, Entity]) -> UnknownOwnerOut:
    subject = entities.get(u.subject_id)
    return UnknownOwnerOut(via_company=entity_ref(entities[via]),
                           subject=entity_ref(subject) if subject is not None else None,
                           chain=[hop_out(h, entities) for h in u.hops], reason=u.reason,
                           description=u.description)


def _given(g: Given, entities: dict[int, Entity]) -> DonationFoundOut:
    owner_of = entities.get(g.owner[1]) if g.owner is not None else None
    return DonationFoundOut(
        donation=donation_out(g.donation, entities),
        relation="owner" if g.owner is not None else "supplier",
        via=entity_ref(entities[g.via]), hops=_hops(g.hops, entities),
        owner_of=entity_ref(owner_of) if owner_of is not None else None,
        chains=[PathOut(hops=[hop_out(h, entities) for h in p.hops], share=share_out(p.share))
                for p in (g.owner[0].paths if g.owner is not None else [])])


async def behind(session: AsyncSession, contract: Contract, *,
                 donation_years: int = DEFAULT_DONATION_YEARS) -> BehindOut:
    buyer, facts = await gather(session, contract, donation_years)
    meetings = list({m.id: m for s in facts for m, _ in s.meetings}.values())
    ids = _ids(buyer, facts, contract) | meeting_entity_ids(meetings)
    # One statement each: names and identifiers joined, not read in two more.
    entities = {e.id: e for e in (await session.scalars(
        select(Entity).where(Entity.id.in_(ids))
        .options(joinedload(Entity.names), joinedload(Entity.identifiers)))).unique()
        } if ids else {}
    wanted = {f.role.registrant_id for s in facts for f in s.found} | {
        m.registrant_id for m in meetings if m.registrant_id is not None}
    registrants = {r.id: r for r in (await session.scalars(
        select(Registrant).where(Registrant.id.in_(wanted))))} if wanted else {}
    views = {v.id: v for v in await meeting_views(session, meetings, entities=entities,
                                                  registrants=registrants)}
    buyer_hops = dict(buyer)

    def linked(cluster: list[tuple[int, list[Hop]]], skip: int) -> list[LinkedOut]:
        return [LinkedOut(entity=entity_out(entities[eid]), hops=_hops(hops, entities))
                for eid, hops in cluster if eid != skip and eid in entities]

    def ref(r: Registrant) -> RegistrantRef:
        return RegistrantRef(id=r.id, name=r.name, registration_number=r.registration_number)

    suppliers = []
    for f in facts:
        if f.supplier_id not in entities:
            continue
        suppliers.append(SupplierOut(
            award_id=f.award_id, award_date=f.award_date.isoformat() if f.award_date else None,
            as_of=f.as_of.isoformat(), meetings_from=year_before(f.as_of).isoformat(),
            supplier=entity_out(entities[f.supplier_id]),
            companies=linked(f.cluster, f.supplier_id),
            owners=[_owner(o, via, entities) for o, via in f.owners
                    if o.entity_id in entities],
            unknown_owners=[_unknown(u, via, entities) for u, via in f.unknown
                            if via in entities],
            cycles=[[entity_ref(entities[i]) for i in loop if i in entities]
                    for loop in f.cycles.values()],
            lobbying=[LobbyingOut(entity=entity_out(entities[x.role.entity_id]),
                                  role=x.role.role,
                                  registrant=ref(registrants[x.role.registrant_id]),
                                  via=entity_ref(entities[x.via]),
                                  hops=_hops(x.hops, entities))
                      for x in f.found],
            meetings=[MeetingWhyOut(
                meeting=views[m.id],
                institution_hops=_hops(buyer_hops.get(m.institution_id or 0, []), entities),
                why=[WhyOut(role=x.role.role, entity=entity_ref(entities[x.role.entity_id]),
                            via=entity_ref(entities[x.via])) for x in why])
                for m, why in f.meetings],
            truncated=f.truncated, dissolved_before_award=_dissolved(f, entities),
            donations_from=(f.donations_from or f.as_of).isoformat(),
            donations=[_given(g, entities) for g in f.donations if g.via in entities]))
    buyer_entity = entities.get(contract.buyer_id) if contract.buyer_id is not None else None
    return BehindOut(
        contract=ContractRef(id=contract.id, ocid=contract.ocid, dataset=contract.dataset,
                             title=contract.title,
                             buyer=entity_out(buyer_entity) if buyer_entity else None),
        buyer_links=linked(buyer, contract.buyer_id or 0),
        suppliers=suppliers)
