"""Ownership and control chains as of a date.

Rules (also in the README):

- **Which version.** Each relationship record has versions (rows) valid from their statement
  date to the next version's. On date D (the end of that day, UTC) the version in force is
  the latest one dated on or before D; the *first* version also stands for the time before
  its statement date, since a statement describes a state that began earlier (its
  interests' start dates say when). A version whose record is closed means no relationship.
- **Which interests.** Those whose start date is on or before D (or absent) and whose end
  date is after D (or absent). A relationship with interests but none in force on D is
  no relationship on D; one without any interests stands, with an unknown interest.
- **Shares.** An edge's share is the sum of its ``shareholding`` interests (exact or range,
  capped at 100); other interests (voting rights, control...) make a path of control with
  an unknown share. Along a path shares multiply; across paths to one owner they add up.
- **Indirect declarations.** A relationship marked ``isComponent`` is one step of a wider
  indirect relationship that the publisher also declared (listing it in
  ``componentRecords``); chains skip components and use the declared relationship, so the
  same holding is not counted twice. The graph endpoint shows components too.
- **Cycles** end the path where an entity would repeat; they are reported, never followed.
  Depth and the number of paths are bounded (``truncated`` says when a bound was hit).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Entity, Relationship

from .shares import HUNDRED, ZERO, ShareRange, interest_range, total

Direction = Literal["owners", "owned"]
DEFAULT_DEPTH = 10
MAX_DEPTH = 20
MAX_PATHS = 2_000
# Relationship rows one walk may read: paths and nodes are bounded, but a nominee holding
# 100,000 companies would otherwise be read whole at the first step.
MAX_EDGES = 10_000


@dataclass(slots=True)
class EdgeBudget:
    """The relationship rows a walk may still read; ``exhausted`` once a read was cut."""

    remaining: int = field(default_factory=lambda: MAX_EDGES)
    exhausted: bool = False
OWNERSHIP_TYPE = "shareholding"


@dataclass(frozen=True, slots=True)
class InterestInForce:
    type: str
    direct_or_indirect: str | None
    beneficial: bool | None
    share: ShareRange | None  # None when the interest states no share
    start_date: dt.date | None
    end_date: dt.date | None
    details: str | None


@dataclass(frozen=True, slots=True)
class Hop:
    """One relationship in force: ``party`` holds ``interests`` in ``subject``."""

    relationship_id: int
    dataset: str
    key: str  # the relationship's record key (BODS recordId)
    statement_id: str | None
    subject_id: int | None
    party_id: int | None
    share: ShareRange | None  # shareholding share of the edge; None if not stated
    interests: tuple[InterestInForce, ...]
    is_component: bool
    component_keys: tuple[str, ...]
    unspecified: dict[str, Any] | None  # the interested party, when not disclosed
    subject_unspecified: dict[str, Any] | None = None

    @property
    def declared_indirect(self) -> bool:
        kinds = {i.direct_or_indirect for i in self.interests}
        return bool(kinds) and kinds <= {"indirect"}


@dataclass(frozen=True, slots=True)
class OwnerPath:
    """A chain from the entity asked about to one owner (or holding, for "owned").

    ``hops[0]`` touches the entity asked about, ``hops[-1]`` the far end ``entity_id``.
    ``share`` is the product of the hops' shares, None if any hop's share is unknown."""

    entity_id: int
    hops: tuple[Hop, ...]
    share: ShareRange | None


@dataclass(slots=True)
class UnspecifiedParty:
    """A declared unknown owner (BODS unspecified record) somewhere up a chain."""

    subject_id: int
    reason: str | None
    description: str | None
    hops: tuple[Hop, ...]  # the path to it, ending with the declaring relationship


@dataclass(slots=True)
class Chains:
    entity_id: int
    as_of: dt.date
    direction: Direction
    paths: list[OwnerPath] = field(default_factory=list)
    unspecified: list[UnspecifiedParty] = field(default_factory=list)
    cycles: list[list[int]] = field(default_factory=list)  # entity ids, first == last
    leaves: set[int] = field(default_factory=set)  # reached and with nothing beyond
    truncated: bool = False


@dataclass(slots=True)
class Owner:
    """One owner (or holding) with its effective share summed over its paths."""

    entity_id: int
    share: ShareRange | None  # sum over the paths whose share is known
    share_complete: bool  # every path's share is known
    direct: bool  # one path is a single relationship not declared indirect
    ultimate: bool  # nothing further up (or down) was found
    paths: list[OwnerPath]


R = TypeVar("R", bound="RelationshipRow")


def cutoff(as_of: dt.date) -> dt.datetime:
    """Versions dated before this instant are in force on ``as_of`` (the end of the day)."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _in_force(interest: InterestRow, on: dt.date) -> bool:
    return ((interest.start_date is None or interest.start_date <= on)
            and (interest.end_date is None or interest.end_date > on))


def _interest(i: InterestRow) -> InterestInForce:
    stated = (i.share_exact is not None or i.share_min is not None
              or i.share_max is not None)
    share = (interest_range(i.share_exact, i.share_min, i.share_max, i.share_exclusive_min,
                            i.share_exclusive_max) if stated else None)
    return InterestInForce(i.type, i.direct_or_indirect, i.beneficial_ownership_or_control,
                           share, i.start_date, i.end_date, i.details)


def _hop(rel: RelationshipRow, interests: Sequence[InterestRow], on: dt.date) -> Hop | None:
    if rel.is_closed:
        return None
    valid = [i for i in interests if _in_force(i, on)]
    if interests and not valid:
        return None
    mapped = tuple(_interest(i) for i in valid)
    held = [i for i in mapped if i.type == OWNERSHIP_TYPE]
    # A shareholding of unstated size is somewhere between 0 and 100%.
    share = total(i.share or ShareRange(ZERO, HUNDRED) for i in held) if held else None
    return Hop(rel.id, rel.dataset, rel.source_key, rel.statement_id, rel.subject_id,
               rel.interested_party_id, share, mapped, rel.is_component,
               tuple(str(k) for k in rel.component_keys), rel.interested_unspecified,
               rel.subject_unspecified)


def _version_in_force(versions: list[R], at: dt.datetime) -> R:
    versions.sort(key=lambda r: (r.valid_from is not None, r.valid_from or at, r.id))
    chosen = versions[0]  # the first version also covers the time before it
    for v in versions[1:]:
        if v.valid_from is None or v.valid_from < at:
            chosen = v
    return chosen


class InterestRow(Protocol):
    """What a walk reads of an interest: the ORM row, or a plain row read in bulk."""

    @property
    def type(self) -> str: ...
    @property
    def direct_or_indirect(self) -> str | None: ...
    @property
    def beneficial_ownership_or_control(self) -> bool | None: ...
    @property
    def share_exact(self) -> Decimal | None: ...
    @property
    def share_min(self) -> Decimal | None: ...
    @property
    def share_max(self) -> Decimal | None: ...
    @property
    def share_exclusive_min(self) -> bool: ...
    @property
    def share_exclusive_max(self) -> bool: ...
    @property
    def start_date(self) -> dt.date | None: ...
    @property
    def end_date(self) -> dt.date | None: ...
    @property
    def details(self) -> str | None: ...


class RelationshipRow(Protocol):
    """What a walk reads of a relationship version (see :class:`InterestRow`)."""

    @property
    def id(self) -> int: ...
    @property
    def dataset(self) -> str: ...
    @property
    def source_key(self) -> str: ...
    @property
    def statement_id(self) -> str | None: ...
    @property
    def subject_id(self) -> int | None: ...
    @property
    def interested_party_id(self) -> int | None: ...
    @property
    def subject_unspecified(self) -> dict[str, Any] | None: ...
    @property
    def interested_unspecified(self) -> dict[str, Any] | None: ...
    @property
    def component_keys(self) -> list[Any]: ...
    @property
    def is_component(self) -> bool: ...
    @property
    def is_closed(self) -> bool: ...
    @property
    def valid_from(self) -> dt.datetime | None: ...
    @property
    def interests(self) -> Sequence[InterestRow]: ...


# Reads the relationships in force whose near end is one of the ids, within a budget.
EdgeReader = Callable[[Iterable[int], dt.date, Direction, EdgeBudget],
                      Awaitable[list[Hop]]]


async def edges_as_of(session: AsyncSession, entity_ids: Iterable[int], as_of: dt.date,
                      direction: Direction, *, components: bool = False,
                      budget: EdgeBudget | None = None) -> list[Hop]:
    """The relationships in force on ``as_of`` whose subject (direction "owners") or
    interested party ("owned") is one of ``entity_ids``, reading at most what ``budget``
    has left (default: one fresh budget)."""
    ids = list(set(entity_ids))
    budget = budget if budget is not None else EdgeBudget()
    if not ids or budget.remaining <= 0:
        budget.exhausted |= bool(ids)
        return []
    column = Relationship.subject_id if direction == "owners" else Relationship.interested_party_id
    rows = list((await session.scalars(
        select(Relationship).where(column.in_(ids))
        .order_by(Relationship.dataset, Relationship.source_key, Relationship.id)
        .limit(budget.remaining + 1))).all())
    return hops_in_force(rows, as_of, components=components, budget=budget)


def hops_in_force(rows: Sequence[RelationshipRow], as_of: dt.date, *, components: bool,
                  budget: EdgeBudget) -> list[Hop]:
    """The versions in force on ``as_of`` among ``rows`` (ordered by dataset, source key
    and id, at most ``budget.remaining + 1`` of them), as hops; charges the budget."""
    rows = list(rows)
    budget.remaining -= len(rows)
    if budget.remaining < 0:
        budget.exhausted = True
        rows.pop()
        # The last record may have lost some of its versions: leave it out whole.
        last = (rows[-1].dataset, rows[-1].source_key) if rows else None
        rows = [r for r in rows if (r.dataset, r.source_key) != last]
    records: dict[tuple[str, str], list[RelationshipRow]] = defaultdict(list)
    for r in rows:
        records[(r.dataset, r.source_key)].append(r)
    at = cutoff(as_of)
    chosen = [_version_in_force(v, at) for v in records.values()]
    hops = []
    for rel in chosen:
        if rel.is_component and not components:
            continue
        hop = _hop(rel, rel.interests, as_of)
        if hop is not None:
            hops.append(hop)
    hops.sort(key=lambda h: h.relationship_id)
    return hops


async def chains_as_of(session: AsyncSession, entity_id: int, as_of: dt.date | None = None,
                       max_depth: int = DEFAULT_DEPTH, direction: Direction = "owners",
                       max_paths: int = MAX_PATHS) -> Chains:
    """Every chain of relationships in force on ``as_of`` from ``entity_id`` up to its
    owners (or down to its holdings), breadth first, one query per level."""
    async def read(ids: Iterable[int], on: dt.date, way: Direction,
                   budget: EdgeBudget) -> list[Hop]:
        return await edges_as_of(session, ids, on, way, budget=budget)

    return await walk_chains(read, entity_id, as_of, max_depth, direction, max_paths)


async def walk_chains(read: EdgeReader, entity_id: int, as_of: dt.date | None = None,
                      max_depth: int = DEFAULT_DEPTH, direction: Direction = "owners",
                      max_paths: int = MAX_PATHS) -> Chains:
    """:func:`chains_as_of` over any reader of edges (the database level by level, or
    relationships read beforehand in bulk)."""
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    max_depth = max(1, min(max_depth, MAX_DEPTH))
    out = Chains(entity_id, as_of, direction)
    # Open paths: (entity at the far end, hops so far, entities on the path).
    frontier: list[tuple[int, tuple[Hop, ...], tuple[int, ...]]] = [(entity_id, (), (entity_id,))]
    seen_cycles: set[tuple[int, ...]] = set()
    budget = EdgeBudget()
    for depth in range(max_depth + 1):
        if not frontier:
            break
        edges = await read({n for n, _, _ in frontier}, as_of, direction, budget)
        out.truncated |= budget.exhausted
        by_node: dict[int, list[Hop]] = defaultdict(list)
        for e in edges:
            near = e.subject_id if direction == "owners" else e.party_id
            if near is not None:
                by_node[near].append(e)
        nxt: list[tuple[int, tuple[Hop, ...], tuple[int, ...]]] = []
        for node, hops, visited in frontier:
            out_edges = by_node.get(node, [])
            if not out_edges:
                if hops:
                    out.leaves.add(node)
                continue
            if depth == max_depth:
                out.truncated = True
                continue
            for e in out_edges:
                far = e.party_id if direction == "owners" else e.subject_id
                path = (*hops, e)
                if far is None:
                    if direction == "owners" and e.unspecified is not None:
                        out.unspecified.append(UnspecifiedParty(
                            node, e.unspecified.get("reason"), e.unspecified.get("description"),
                            path))
                    continue
                if far in visited:
                    loop = (*visited[visited.index(far):], far)
                    canonical = canonical_cycle(loop)
                    if canonical not in seen_cycles:
                        seen_cycles.add(canonical)
                        out.cycles.append(list(loop))
                    continue
                if len(out.paths) >= max_paths:
                    out.truncated = True
                    continue
                share = _path_share(path)
                out.paths.append(OwnerPath(far, path, share))
                nxt.append((far, path, (*visited, far)))
        frontier = nxt
    return out


def canonical_cycle(loop: tuple[int, ...]) -> tuple[int, ...]:
    """One form of a loop (entity ids, first == last) whichever entity it was met from."""
    ring = loop[:-1]
    start = ring.index(min(ring))
    return ring[start:] + ring[:start]


def _path_share(hops: Sequence[Hop]) -> ShareRange | None:
    share: ShareRange | None = ShareRange(HUNDRED, HUNDRED)
    for h in hops:
        if h.share is None or share is None:
            return None
        share = share.times(h.share)
    return share


async def owners_as_of(session: AsyncSession, entity_id: int, as_of: dt.date | None = None,
                       max_depth: int = DEFAULT_DEPTH) -> list[OwnerPath]:
    """Direct and indirect owners of ``entity_id`` on ``as_of`` (default: today), as paths.

    Each :class:`OwnerPath` runs from the entity up to one owner: ``path.entity_id`` is the
    owner, ``path.hops`` the relationships in order (``hops[0].subject_id == entity_id``,
    ``hops[-1].party_id == path.entity_id``), ``path.share`` the effective shareholding
    along the path (a :class:`~registry.ownership.shares.ShareRange`, or None where a
    relationship states no shareholding, e.g. control only). An owner reached by several
    paths appears once per path; :func:`summarise` sums them. Cycles end the path and are
    not returned here: use :func:`chains_as_of` for cycles, declared-unknown owners and
    the truncation flag. ``max_depth`` bounds the length of a path (at most 20).
    """
    return (await chains_as_of(session, entity_id, as_of, max_depth, "owners")).paths


def summarise(chains: Chains) -> list[Owner]:
    """One :class:`Owner` per far-end entity, with shares summed over its paths; largest
    known share first."""
    grouped: dict[int, list[OwnerPath]] = defaultdict(list)
    for p in chains.paths:
        grouped[p.entity_id].append(p)
    owners = []
    for entity_id, paths in grouped.items():
        known = [p.share for p in paths if p.share is not None]
        owners.append(Owner(
            entity_id=entity_id,
            share=total(known),
            share_complete=len(known) == len(paths),
            direct=any(len(p.hops) == 1 and not p.hops[0].declared_indirect for p in paths),
            ultimate=entity_id in chains.leaves,
            paths=sorted(paths, key=lambda p: len(p.hops)),
        ))
    owners.sort(key=lambda o: (-(o.share.max if o.share else -1), o.entity_id))
    return owners


@dataclass(slots=True)
class Graph:
    nodes: set[int]
    edges: list[Hop]
    truncated: bool


async def graph_as_of(session: AsyncSession, entity_id: int, as_of: dt.date | None = None,
                      depth: int = 2, max_nodes: int = 500) -> Graph:
    """The relationships in force on ``as_of`` within ``depth`` steps of ``entity_id``, in
    both directions, components included. Cycles are harmless here: nodes are visited once."""
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    nodes = {entity_id}
    frontier = {entity_id}
    edges: dict[int, Hop] = {}
    truncated = False
    budget = EdgeBudget()
    for _ in range(depth):
        found: list[Hop] = []
        for direction in ("owners", "owned"):
            found += await edges_as_of(session, frontier, as_of, direction,  # type: ignore[arg-type]
                                       components=True, budget=budget)
        truncated |= budget.exhausted
        nxt: set[int] = set()
        for e in found:
            edges[e.relationship_id] = e
            for n in (e.subject_id, e.party_id):
                if n is not None and n not in nodes:
                    if len(nodes) >= max_nodes:
                        truncated = True
                        continue
                    nodes.add(n)
                    nxt.add(n)
        frontier = nxt
        if not frontier:
            break
    # Keep only edges whose both ends are shown.
    kept = [e for e in edges.values()
            if (e.subject_id is None or e.subject_id in nodes)
            and (e.party_id is None or e.party_id in nodes)]
    return Graph(nodes, sorted(kept, key=lambda e: e.relationship_id), truncated)


async def load_entities(session: AsyncSession, ids: Iterable[int]) -> dict[int, Entity]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = (await session.scalars(select(Entity).where(Entity.id.in_(wanted)))).all()
    return {e.id: e for e in rows}
