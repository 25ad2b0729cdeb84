"""Public shapes of ownership chains (msgspec). ORM rows never leave the service layer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from registry.entities.schemas import EntityOut, entity_out, known_as
from registry.models import Entity

from .service import Chains, Graph, Hop, InterestInForce, Owner, OwnerPath, summarise
from .shares import ShareRange


class EntityRef(msgspec.Struct, omit_defaults=True):
    """An entity named inside a chain: enough to show it and trace it to its record."""

    id: int
    kind: str
    name: str
    dataset: str
    keys: list[str]
    # A placeholder's name from a record it is joined to (a PSC company named only by its
    # number: the register's name of it).
    known_as: str | None = None


class ShareOut(msgspec.Struct, omit_defaults=True):
    """A percentage: ``exact``, or the range ``min``..``max`` (each bound exclusive or not)."""

    min: float
    max: float
    exclusive_min: bool = False
    exclusive_max: bool = False
    exact: float | None = None


class InterestOut(msgspec.Struct, omit_defaults=True):
    type: str
    direct_or_indirect: str | None = None
    beneficial_ownership_or_control: bool | None = None
    share: ShareOut | None = None
    start_date: str | None = None
    end_date: str | None = None
    details: str | None = None


class HopOut(msgspec.Struct, omit_defaults=True):
    relationship_id: int
    dataset: str
    key: str
    subject: EntityRef | None
    interested_party: EntityRef | None
    interests: list[InterestOut]
    share: ShareOut | None = None
    interested_party_unspecified: dict[str, Any] | None = None
    is_component: bool = False
    component_keys: list[str] = []


class PathOut(msgspec.Struct, omit_defaults=True):
    hops: list[HopOut]
    share: ShareOut | None = None


class OwnerOut(msgspec.Struct, omit_defaults=True):
    entity: EntityOut
    direct: bool
    ultimate: bool
    share_complete: bool
    paths: list[PathOut]
    share: ShareOut | None = None


class UnspecifiedOut(msgspec.Struct, omit_defaults=True):
    """A declared unknown owner: the source says why it cannot be named."""

    subject: EntityRef | None
    path: list[HopOut]
    reason: str | None = None
    description: str | None = None


class ChainsOut(msgspec.Struct):
    entity: EntityOut
    as_of: str
    direction: str
    items: list[OwnerOut]
    unspecified: list[UnspecifiedOut]
    cycles: list[list[EntityRef]]
    truncated: bool
    # The same party's other records (linked: the register's company and the PSC's of one
    # number) with chains of their own, each as read from that record.
    linked: list[ChainsOut] = []


class GraphEdgeOut(msgspec.Struct, omit_defaults=True):
    relationship_id: int
    dataset: str
    key: str
    subject_id: int | None
    interested_party_id: int | None
    interests: list[InterestOut]
    share: ShareOut | None = None
    interested_party_unspecified: dict[str, Any] | None = None
    is_component: bool = False
    component_keys: list[str] = []


class GraphOut(msgspec.Struct):
    entity_id: int
    as_of: str
    depth: int
    nodes: list[EntityRef]
    edges: list[GraphEdgeOut]
    truncated: bool


def entity_ref(e: Entity) -> EntityRef:
    return EntityRef(id=e.id, kind=e.kind, name=e.name, dataset=e.dataset, keys=[e.source_key],
                     known_as=known_as(e.data))


def share_out(s: ShareRange | None) -> ShareOut | None:
    if s is None:
        return None
    exact = s.exact
    return ShareOut(min=float(s.min), max=float(s.max), exclusive_min=s.exclusive_min,
                    exclusive_max=s.exclusive_max,
                    exact=float(exact) if exact is not None else None)


def _interest_out(i: InterestInForce) -> InterestOut:
    return InterestOut(type=i.type, direct_or_indirect=i.direct_or_indirect,
                       beneficial_ownership_or_control=i.beneficial, share=share_out(i.share),
                       start_date=i.start_date.isoformat() if i.start_date else None,
                       end_date=i.end_date.isoformat() if i.end_date else None,
                       details=i.details)


def _ref(entities: dict[int, Entity], entity_id: int | None) -> EntityRef | None:
    e = entities.get(entity_id) if entity_id is not None else None
    return entity_ref(e) if e is not None else None


def hop_out(h: Hop, entities: dict[int, Entity]) -> HopOut:
    return HopOut(relationship_id=h.relationship_id, dataset=h.dataset, key=h.key,
                  subject=_ref(entities, h.subject_id),
                  interested_party=_ref(entities, h.party_id),
                  interests=[_interest_out(i) for i in h.interests], share=share_out(h.share),
                  interested_party_unspecified=h.unspecified, is_component=h.is_component,
                  component_keys=list(h.component_keys))


def _path_out(p: OwnerPath, entities: dict[int, Entity]) -> PathOut:
    return PathOut(hops=[hop_out(h, entities) for h in p.hops], share=share_out(p.share))


def chain_entity_ids(chains: Chains) -> set[int]:
    ids = {chains.entity_id}
    for p in chains.paths:
        ids.add(p.entity_id)
        for h in p.hops:
            ids.update(x for x in (h.subject_id, h.party_id) if x is not None)
    for u in chains.unspecified:
        ids.add(u.subject_id)
        for h in u.hops:
            ids.update(x for x in (h.subject_id, h.party_id) if x is not None)
    for c in chains.cycles:
        ids.update(c)
    return ids


def chains_out(chains: Chains, entities: dict[int, Entity]) -> ChainsOut:
    owners: list[Owner] = summarise(chains)
    items = [OwnerOut(entity=entity_out(entities[o.entity_id]), direct=o.direct,
                      ultimate=o.ultimate, share_complete=o.share_complete,
                      paths=[_path_out(p, entities) for p in o.paths], share=share_out(o.share))
             for o in owners if o.entity_id in entities]
    unspecified = [UnspecifiedOut(subject=_ref(entities, u.subject_id),
                                  path=[hop_out(h, entities) for h in u.hops],
                                  reason=u.reason, description=u.description)
                   for u in chains.unspecified]
    cycles = [[r for r in (_ref(entities, i) for i in c) if r is not None]
              for c in chains.cycles]
    return ChainsOut(entity=entity_out(entities[chains.entity_id]),
                     as_of=chains.as_of.isoformat(), direction=chains.direction, items=items,
                     unspecified=unspecified, cycles=cycles, truncated=chains.truncated)


def graph_out(graph: Graph, entity_id: int, as_of: str, depth: int,
              entities: dict[int, Entity]) -> GraphOut:
    nodes: Iterable[Entity] = (entities[n] for n in sorted(graph.nodes) if n in entities)
    return GraphOut(
        entity_id=entity_id, as_of=as_of, depth=depth,
        nodes=[entity_ref(e) for e in nodes],
        edges=[GraphEdgeOut(relationship_id=h.relationship_id, dataset=h.dataset, key=h.key,
                            subject_id=h.subject_id, interested_party_id=h.party_id,
                            interests=[_interest_out(i) for i in h.interests],
                            share=share_out(h.share), interested_party_unspecified=h.unspecified,
                            is_component=h.is_component, component_keys=list(h.component_keys))
               for h in graph.edges],
        truncated=graph.truncated)
